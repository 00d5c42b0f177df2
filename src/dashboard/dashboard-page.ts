import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { escapeHtml } from '../common/escape-html.js';

/** Where the page's files are: next to this module in src/ and, copied by `nest build`, in dist/. */
export const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));

/** URL path under which the hashed assets are served. */
const ASSETS_PATH = '/dashboard/passthrough/assets/';

/** Long-lived: an asset's name changes whenever its content does. */
export const IMMUTABLE = 'public, max-age=31536000, immutable';

const JAVASCRIPT = 'text/javascript; charset=utf-8';

/**
 * The assets, in hashing order: a shared module comes before the scripts that import it, since
 * an importer's `from './common.js'` is rewritten to the shared module's hashed name before the
 * importer is hashed itself. So an edit to the shared module changes its importers' names too,
 * and a year-long cached importer can never load a newer or older shared module than its own.
 */
const ASSETS: readonly { file: string; contentType: string; imports?: readonly string[] }[] = [
  { file: 'common.js', contentType: JAVASCRIPT },
  { file: 'dashboard.js', contentType: JAVASCRIPT, imports: ['common.js'] },
  { file: 'manage.js', contentType: JAVASCRIPT, imports: ['common.js'] },
  { file: 'dashboard.css', contentType: 'text/css; charset=utf-8' },
  { file: 'icon.svg', contentType: 'image/svg+xml' },
];

/** Any static import of a sibling module: after the rewrite, none in any script may be left unhashed. */
const RELATIVE_IMPORT = /\b(?:from|import)\s*\(?\s*(['"])(\.{1,2}\/[^'"]*)\1/g;

/**
 * The script with each declared `from './<module>'` pointed at that module's hashed name
 * (relative, so it resolves next to the importer wherever the page is served from). Throws when
 * a declared import is not in the script or the script imports a sibling it does not declare:
 * the browser would ask for a name that is never served.
 */
export function rewriteImports(
  file: string,
  source: string,
  imports: readonly string[],
  hashedNames: ReadonlyMap<string, string>,
): string {
  let rewritten = source;
  for (const module of imports) {
    const hashed = hashedNames.get(module);
    if (hashed === undefined)
      throw new Error(`dashboard page: ${file} imports ${module}, which is not hashed before it`);
    const specifier = `from './${module}'`;
    if (!rewritten.includes(specifier)) throw new Error(`dashboard page: ${file} has no ${specifier}`);
    rewritten = rewritten.replaceAll(specifier, `from './${hashed}'`);
  }
  const hashedFiles = new Set(imports.map((module) => hashedNames.get(module)));
  for (const [, , specifier] of rewritten.matchAll(RELATIVE_IMPORT)) {
    if (!hashedFiles.has(specifier.replace(/^\.\//, ''))) {
      throw new Error(`dashboard page: ${file} imports ${specifier}, which is not a declared import`);
    }
  }
  return rewritten;
}

/** The screens' templates: the passthrough screen, and the management screens (one page, routed in the browser). */
export const SCREENS = { passthrough: 'index.html', manage: 'manage.html' } as const;
export type Screen = keyof typeof SCREENS;

export interface DashboardAsset {
  contentType: string;
  body: Buffer;
  etag: string;
}

/**
 * The dashboard page: its HTML with the assets' content-hashed URLs filled in, and the assets
 * themselves, held in memory. The names are hashed at start-up rather than by the build so
 * that the tests (which run the TypeScript sources) and `npm start` serve exactly the same
 * thing, and so that an edit to a file can never be hidden by a browser's year-long cache.
 */
export class DashboardPage {
  private constructor(
    private readonly templates: Readonly<Record<Screen, string>>,
    /** Hashed file name (as in the URL) → asset. */
    readonly assets: ReadonlyMap<string, DashboardAsset>,
    /** Source file name → its URL. */
    readonly assetUrls: Readonly<Record<string, string>>,
  ) {}

  static async load(dir: string = PUBLIC_DIR): Promise<DashboardPage> {
    const assets = new Map<string, DashboardAsset>();
    const urls: Record<string, string> = {};
    const hashedNames = new Map<string, string>();
    for (const { file, contentType, imports } of ASSETS) {
      let body = await readFile(join(dir, file));
      if (contentType === JAVASCRIPT) {
        body = Buffer.from(rewriteImports(file, body.toString('utf8'), imports ?? [], hashedNames), 'utf8');
      }
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
      const dot = file.lastIndexOf('.');
      const hashed = `${file.slice(0, dot)}.${hash}${file.slice(dot)}`;
      assets.set(hashed, { contentType, body, etag: `"${hash}"` });
      hashedNames.set(file, hashed);
      urls[file] = `${ASSETS_PATH}${hashed}`;
    }
    const templates = {} as Record<Screen, string>;
    for (const [screen, file] of Object.entries(SCREENS) as [Screen, string][]) {
      templates[screen] = await readFile(join(dir, file), 'utf8');
    }
    const page = new DashboardPage(templates, assets, urls);
    // A placeholder a template names but nobody fills fails at start-up, not per request.
    for (const screen of Object.keys(SCREENS) as Screen[]) page.render('', screen);
    return page;
  }

  /**
   * A screen's HTML. `apiBase` is empty when the page is served by the service itself; a page served
   * from another origin (an origin in CORS_ORIGINS) gets the service's origin here.
   */
  render(apiBase = '', screen: Screen = 'passthrough'): string {
    const values: Record<string, string> = { ...this.assetUrls, 'api-base': apiBase };
    return this.templates[screen].replace(/\{\{([\w.-]+)\}\}/g, (_, name: string) => {
      if (!(name in values)) throw new Error(`dashboard page: no value for {{${name}}}`);
      return escapeHtml(values[name]);
    });
  }

  /**
   * Only the page's own scripts, styles and images; fetch only to itself (and to the API's
   * origin when that is another one). No inline script or style anywhere, and Trusted Types
   * make any `innerHTML = …` throw, so a provider name can never become markup.
   */
  contentSecurityPolicy(apiOrigin?: string): string {
    const connect = apiOrigin ? `'self' ${new URL(apiOrigin).origin}` : "'self'";
    return [
      "default-src 'none'",
      "script-src 'self'",
      "style-src 'self'",
      "img-src 'self'",
      `connect-src ${connect}`,
      "form-action 'self'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
      "require-trusted-types-for 'script'",
      "trusted-types 'none'",
    ].join('; ');
  }
}
