import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardPage, PUBLIC_DIR, rewriteImports } from './dashboard-page.js';

describe('DashboardPage', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'dashboard-page-'));
    cpSync(PUBLIC_DIR, dir, { recursive: true });
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names each asset by a hash of its content, so an edit changes the URL', async () => {
    const before = await DashboardPage.load(dir);
    writeFileSync(join(dir, 'dashboard.css'), 'body { color: red; }\n');
    const after = await DashboardPage.load(dir);
    expect(after.assetUrls['dashboard.css']).not.toBe(before.assetUrls['dashboard.css']);
    expect(after.assetUrls['dashboard.js']).toBe(before.assetUrls['dashboard.js']);
    expect(after.assets.get(after.assetUrls['dashboard.css'].split('/').pop()!)?.body.toString()).toBe(
      'body { color: red; }\n',
    );
  });

  it('points each script at the shared module under its hashed name, so the import is served', async () => {
    const page = await DashboardPage.load(dir);
    const common = page.assetUrls['common.js'].split('/').pop()!;
    expect(common).toMatch(/^common\.[0-9a-f]{16}\.js$/);
    expect(page.assets.has(common)).toBe(true);
    for (const script of ['dashboard.js', 'manage.js']) {
      const body = page.assets.get(page.assetUrls[script].split('/').pop()!)!.body.toString();
      expect(body).toContain(`from './${common}';`);
      expect(body).not.toContain("from './common.js'");
    }
  });

  it('changes the importers’ URLs, and only theirs, when the shared module changes', async () => {
    const before = await DashboardPage.load(dir);
    writeFileSync(
      join(dir, 'common.js'),
      `${readFileSync(join(dir, 'common.js'), 'utf8')}\nexport const edited = 1;\n`,
    );
    const after = await DashboardPage.load(dir);
    for (const file of ['common.js', 'dashboard.js', 'manage.js']) {
      expect(after.assetUrls[file]).not.toBe(before.assetUrls[file]);
    }
    expect(after.assetUrls['dashboard.css']).toBe(before.assetUrls['dashboard.css']);
    expect(after.render()).toContain(`src="${after.assetUrls['dashboard.js']}"`);
    expect(after.render('', 'manage')).toContain(`src="${after.assetUrls['manage.js']}"`);
  });

  it('rewrites exactly the declared import and refuses any other sibling import', () => {
    const hashed = new Map([['common.js', 'common.0123456789abcdef.js']]);
    expect(rewriteImports('a.js', "import { el } from './common.js';\nel('x');\n", ['common.js'], hashed)).toBe(
      "import { el } from './common.0123456789abcdef.js';\nel('x');\n",
    );
    expect(() => rewriteImports('a.js', "el('x');\n", ['common.js'], hashed)).toThrow("a.js has no from './common.js'");
    expect(() => rewriteImports('a.js', "import { el } from './common.js';\n", ['common.js'], new Map())).toThrow(
      'a.js imports common.js, which is not hashed before it',
    );
    for (const source of [
      "import { x } from './other.js';\n",
      "import './other.js';\n",
      "await import('../up.js');\n",
    ]) {
      expect(() => rewriteImports('a.js', source, [], hashed)).toThrow('which is not a declared import');
    }
  });

  it('refuses at load time a script that imports a module nobody serves', async () => {
    writeFileSync(
      join(dir, 'manage.js'),
      `import { helper } from './helpers.js';\n${readFileSync(join(dir, 'manage.js'), 'utf8')}`,
    );
    await expect(DashboardPage.load(dir)).rejects.toThrow(
      'manage.js imports ./helpers.js, which is not a declared import',
    );
  });

  it('fills the template with the hashed URLs and an escaped API base', async () => {
    const page = await DashboardPage.load(dir);
    const html = page.render('http://localhost:3000/"><script>');
    expect(html).toContain(`<script type="module" src="${page.assetUrls['dashboard.js']}"></script>`);
    expect(html).toContain(`<link rel="stylesheet" href="${page.assetUrls['dashboard.css']}">`);
    expect(html).toContain('content="http://localhost:3000/&#34;&#62;&#60;script&#62;"');
    expect(html).not.toContain('{{');
  });

  it('refuses at load time a template that names a value nobody provides', async () => {
    writeFileSync(join(dir, 'index.html'), '<p>{{nobody}}</p>');
    await expect(DashboardPage.load(dir)).rejects.toThrow('no value for {{nobody}}');
  });

  it('allows fetches to the API origin only when the page lives elsewhere', async () => {
    const page = await DashboardPage.load(dir);
    expect(page.contentSecurityPolicy()).toContain("connect-src 'self';");
    expect(page.contentSecurityPolicy('http://localhost:3000/some/path')).toContain(
      "connect-src 'self' http://localhost:3000;",
    );
    expect(page.contentSecurityPolicy()).toMatch(/^default-src 'none'; script-src 'self'; style-src 'self';/);
  });
});
