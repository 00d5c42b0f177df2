import { DataSource } from 'typeorm';
import { cookiesOf } from './support/auth.js';
import { NEVER_CACHE } from './support/error-shape.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const DEFAULT_NEXT = '/dashboard/passthrough/';

describe('the login page', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: 'https://dashboard.example.test' });
    const f = new Factories(t.app.get(DataSource));
    await f.user({ username: 'alice' });
    await f.user({ username: 'carol', isActive: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  const submit = (form: Record<string, string>, headers: Record<string, string> = {}, url = '/login/') =>
    t.inject({ method: 'POST', url, headers: { ...FORM, ...headers }, payload: new URLSearchParams(form).toString() });

  it('GET /login/ serves the form with `next` in a hidden field, under a strict CSP', async () => {
    const res = await t.inject({ method: 'GET', url: '/login/?next=%2Fdashboard%2Fpassthrough%2F%3Ftab%3D2' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(res.headers['content-security-policy']).toMatch(
      /default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'/,
    );
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    expect(res.body).toContain('<form method="post" action="/login/">');
    expect(res.body).toContain('<input type="hidden" name="next" value="/dashboard/passthrough/?tab=2">');
    expect(res.body).toContain('<link rel="stylesheet" href="/login/login.css">');
    // Nothing inline, so that the CSP holds.
    expect(res.body).not.toMatch(/<script|<style|\sstyle=|\son[a-z]+=/i);
  });

  it('serves its stylesheet, cacheable', async () => {
    const res = await t.inject({ method: 'GET', url: '/login/login.css' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/css; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=3600');
    expect(res.body).toContain('.card');
  });

  it('an anonymous browser lands on it and comes back: 302 → form → 303 to where it was going', async () => {
    const start = await t.inject({ method: 'GET', url: '/auth/me?x=1', headers: { accept: 'text/html' } });
    expect(start.statusCode).toBe(302);
    const page = await t.inject({ method: 'GET', url: start.headers.location as string });
    const next = /name="next" value="([^"]*)"/.exec(page.body)![1];
    expect(next).toBe('/auth/me?x=1');

    const signedIn = await submit({ next, username: 'alice', password: 'pw-alice' });
    expect(signedIn.statusCode).toBe(303);
    expect(signedIn.headers.location).toBe('/auth/me?x=1');
    const jar = cookiesOf(signedIn.headers['set-cookie']);
    const back = await t.inject({
      method: 'GET',
      url: '/auth/me?x=1',
      headers: { cookie: `access_token=${jar.access_token}` },
    });
    expect(back.statusCode).toBe(200);
    expect(back.json().username).toBe('alice');
    expect(jar.csrftoken).toEqual(expect.any(String));
  });

  it('goes to the dashboard when there is no `next`, and takes `next` from the query string too', async () => {
    await expect(submit({ username: 'alice', password: 'pw-alice' })).resolves.toMatchObject({
      statusCode: 303,
      headers: expect.objectContaining({ location: DEFAULT_NEXT }),
    });
    const fromQuery = await submit({ username: 'alice', password: 'pw-alice' }, {}, '/login/?next=%2Fauth%2Fme');
    expect(fromQuery.headers.location).toBe('/auth/me');
  });

  it.each([
    'https://evil.test',
    'http://evil.test/path',
    '//evil.test',
    '//evil.test/%2F..',
    '///evil.test',
    '////evil.test',
    '/\\evil.test',
    '\\/evil.test',
    '\\\\evil.test',
    '/\t/evil.test',
    '/\n/evil.test',
    '/\r\nLocation: https://evil.test',
    ' //evil.test',
    'https:evil.test',
    'https:/evil.test',
    'javascript:alert(document.domain)',
    'data:text/html,<script>alert(1)</script>',
    'evil.test',
    '.evil.test',
    '@evil.test',
    '/\u3002evil.test',
    '/ evil.test',
    'HTTPS://EVIL.TEST',
  ])('never leaves the site for next=%j', async (next) => {
    const res = await submit({ next, username: 'alice', password: 'pw-alice' });
    expect(res.statusCode).toBe(303);
    const location = res.headers.location as string;
    expect(location).toBe(DEFAULT_NEXT);
    const fromQuery = await submit(
      { username: 'alice', password: 'pw-alice' },
      {},
      `/login/?next=${encodeURIComponent(next)}`,
    );
    expect(fromQuery.headers.location).toBe(DEFAULT_NEXT);
    // The page never offers it either.
    const page = await t.inject({ method: 'GET', url: `/login/?next=${encodeURIComponent(next)}` });
    expect(page.body).toContain(`name="next" value="${DEFAULT_NEXT}"`);
  });

  it('keeps encoded look-alikes on the site, as paths', async () => {
    for (const next of ['/%2F%2Fevil.test', '/%5Cevil.test', '/a/../evil.test', '/./evil.test']) {
      const res = await submit({ next, username: 'alice', password: 'pw-alice' });
      const location = res.headers.location as string;
      expect(location.startsWith('/')).toBe(true);
      expect(location).not.toMatch(/^\/[/\\]/);
      expect(new URL(location, 'http://site.test').origin).toBe('http://site.test');
    }
  });

  it('re-renders the form with an error (401) on a wrong password, an unknown or an inactive user, escaping what it echoes', async () => {
    const answers = await Promise.all([
      submit({ next: '/auth/me', username: 'alice', password: 'wrong' }),
      submit({ next: '/auth/me', username: 'nobody', password: 'x' }),
      submit({ next: '/auth/me', username: 'carol', password: 'pw-carol' }),
    ]);
    for (const res of answers) {
      expect(res.statusCode).toBe(401);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body).toContain('<p class="error" role="alert">Wrong username or password.</p>');
      expect(res.body).toContain('name="next" value="/auth/me"');
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    const hostile = await submit({
      next: '/"><script>alert(1)</script>',
      username: '"><img src=x onerror=alert(1)>',
      password: 'x',
    });
    expect(hostile.statusCode).toBe(401);
    expect(hostile.body).not.toMatch(/<script|<img/);
    expect(hostile.body).toContain('value="&#34;&#62;&#60;img src=x onerror=alert(1)&#62;"');
  });

  it('400 and the form again when a field is missing', async () => {
    const res = await submit({ username: 'alice' });
    expect(res.statusCode).toBe(400);
    expect(res.body).toContain('Enter your username and password.');
    expect(res.body).toContain('value="alice"');
  });

  it('refuses a cross-site form post (403), accepts its own origin and an allowed CORS origin', async () => {
    const form = { username: 'alice', password: 'pw-alice' };
    for (const origin of ['https://evil.test', 'null', 'https://dashboard.example.test.evil.test']) {
      const res = await submit(form, { origin, host: 'localhost:3000' });
      expect(res.statusCode).toBe(403);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
    await expect(submit(form, { 'sec-fetch-site': 'cross-site' })).resolves.toMatchObject({ statusCode: 403 });
    await expect(submit(form, { origin: 'http://localhost:3000', host: 'localhost:3000' })).resolves.toMatchObject({
      statusCode: 303,
    });
    await expect(submit(form, { origin: 'https://dashboard.example.test' })).resolves.toMatchObject({
      statusCode: 303,
    });
    await expect(submit(form, { 'sec-fetch-site': 'same-origin' })).resolves.toMatchObject({ statusCode: 303 });
  });

  it('413 for a form over 16 KiB', async () => {
    const res = await submit({ username: 'alice', password: 'x'.repeat(17 * 1024) });
    expect(res.statusCode).toBe(413);
  });
});
