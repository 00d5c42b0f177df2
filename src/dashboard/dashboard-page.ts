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

const ASSET_FILES: Record<string, string> = {
  'dashboard.js': 'text/javascript; charset=utf-8',
  'manage.js': 'text/javascript; charset=utf-8',
  'dashboard.css': 'text/css; charset=utf-8',
  'icon.svg': 'image/svg+xml',
};

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
    for (const [file, contentType] of Object.entries(ASSET_FILES)) {
      const body = await readFile(join(dir, file));
      const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
      const dot = file.lastIndexOf('.');
      const hashed = `${file.slice(0, dot)}.${hash}${file.slice(dot)}`;
      assets.set(hashed, { contentType, body, etag: `"${hash}"` });
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
