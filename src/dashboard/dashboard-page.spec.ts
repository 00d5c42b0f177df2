import { cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DashboardPage, PUBLIC_DIR } from './dashboard-page.js';

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
