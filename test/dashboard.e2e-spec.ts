import { DataSource } from 'typeorm';
import { loginAs, type Session } from './support/auth.js';
import { NEVER_CACHE } from './support/error-shape.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** The page and its assets over HTTP; what a browser does with them is test/browser/. */
describe('dashboard page', () => {
  let t: TestApp;
  let dana: Session;
  beforeAll(async () => {
    t = await startTestApp();
    await new Factories(t.app.get(DataSource)).user({ username: 'dana' });
    dana = await loginAs(t, 'dana');
  });
  afterAll(async () => {
    await t?.close();
  });

  /** As a browser asks for it: the session cookie, and Accept preferring HTML. */
  const page = () =>
    t.inject({
      method: 'GET',
      url: '/dashboard/passthrough/',
      headers: { cookie: dana.cookies, accept: 'text/html,*/*;q=0.8' },
    });

  /** The asset URLs the page names, in the order the page names them. */
  async function assetUrls(): Promise<string[]> {
    const html = (await page()).body;
    return [
      ...new Set([...html.matchAll(/(?:href|src)="(\/dashboard\/passthrough\/assets\/[^"]+)"/g)].map((m) => m[1])),
    ];
  }

  it('sends an anonymous browser to the login page, and back here afterwards', async () => {
    const res = await t.inject({
      method: 'GET',
      url: '/dashboard/passthrough/',
      headers: { accept: 'text/html,*/*;q=0.8' },
    });
    expect(res.statusCode).toBe(302);
    expect(res.headers.location).toBe('/login/?next=%2Fdashboard%2Fpassthrough%2F');
    expect(res.headers['cache-control']).toBe(NEVER_CACHE);
  });

  it('serves the HTML to a signed-in user, never cached, with a strict Content-Security-Policy', async () => {
    const res = await page();
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|https:|\*/);
    // Nothing inline for the policy to have to allow.
    expect(res.body).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(res.body).not.toMatch(/<style|\sstyle=|\son[a-z]+=/i);
    expect(res.body).toContain('<meta name="api-base" content="">');
  });

  it('names its assets by content hash and serves them cached for a year', async () => {
    const urls = await assetUrls();
    expect(urls).toHaveLength(3);
    for (const url of urls) {
      expect(url).toMatch(/\/(dashboard|icon)\.[0-9a-f]{16}\.(js|css|svg)$/);
      const res = await t.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      const type = { js: 'text/javascript', css: 'text/css', svg: 'image/svg+xml' }[url.split('.').pop()!];
      expect(res.headers['content-type']).toContain(type);
      const again = await t.inject({ method: 'GET', url, headers: { 'if-none-match': String(res.headers.etag) } });
      expect(again.statusCode).toBe(304);
    }
  });

  it('answers 404, never cached, for an asset name it does not know', async () => {
    const [script] = (await assetUrls()).filter((u) => u.endsWith('.js'));
    for (const url of [
      script.replace(/[0-9a-f]{16}/, '0000000000000000'),
      '/dashboard/passthrough/assets/dashboard.js',
      '/dashboard/passthrough/assets/..%2findex.html',
      '/dashboard/passthrough/assets/index.html',
    ]) {
      const res = await t.inject({ method: 'GET', url });
      expect(res.statusCode).toBe(404);
      expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    }
  });
});
