import { DataSource } from 'typeorm';
import { CROSS_ORIGIN_MESSAGE, CSRF_TOKEN_MESSAGE } from '../src/auth/cookie-jwt.authenticator.js';
import { loginAs, type Session } from './support/auth.js';
import { NEVER_CACHE } from './support/error-shape.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** The product's endpoint: a guarded POST, where CSRF matters. */
const PROVIDERS = '/dashboard/passthrough/api/providers/';
const HOST = 'providers.example.test';
const OWN_ORIGIN = `https://${HOST}`;
const DASHBOARD = 'https://dashboard.example.test';

/**
 * Every branch of the cookie session's CSRF decision (src/auth/origin.ts, requestProvenance):
 * what the browser says about the page (Sec-Fetch-Site, Origin) decides, and only a request
 * that says nothing needs the double-submit token. Real browsers are in
 * test/browser/csrf.browser-spec.ts.
 */
describe('CSRF by Fetch Metadata on cookie-authenticated unsafe requests', () => {
  let t: TestApp;
  let alice: Session;

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: DASHBOARD });
    const f = new Factories(t.app.get(DataSource));
    const acme = await f.account({ accountNumber: '2000-0000-0002' });
    await f.provider(await f.profile(await f.user({ username: 'alice' }), acme), { name: 'Acme gateway' });
    alice = await loginAs(t, 'alice');
  });
  afterAll(async () => {
    await t?.close();
  });

  const post = (headers: Record<string, string>) =>
    t.inject({
      method: 'POST',
      url: PROVIDERS,
      headers: { host: HOST, 'content-type': 'application/json', ...headers },
    });

  describe('passes without a token', () => {
    it.each<[string, Record<string, string>]>([
      ['Sec-Fetch-Site: same-origin', { 'sec-fetch-site': 'same-origin' }],
      ['Sec-Fetch-Site: same-origin with its Origin', { 'sec-fetch-site': 'same-origin', origin: OWN_ORIGIN }],
      ['Sec-Fetch-Site: none (the user’s own navigation)', { 'sec-fetch-site': 'none' }],
      [
        'Sec-Fetch-Site: same-site from an origin in CORS_ORIGINS',
        { 'sec-fetch-site': 'same-site', origin: DASHBOARD },
      ],
      [
        'Sec-Fetch-Site: cross-site from an origin in CORS_ORIGINS',
        { 'sec-fetch-site': 'cross-site', origin: DASHBOARD },
      ],
      ['an Origin that is the service’s own (no Sec-Fetch-Site: an older browser)', { origin: OWN_ORIGIN }],
      ['an Origin listed in CORS_ORIGINS (no Sec-Fetch-Site)', { origin: DASHBOARD }],
    ])('%s', async (_what, headers) => {
      const res = await post({ cookie: alice.cookies, ...headers });
      expect(res.statusCode).toBe(200);
      expect(res.json().providers.map((p: { name: string }) => p.name)).toEqual(['Acme gateway']);
    });

    it('a wrong token does not matter when the browser vouches for the page', async () => {
      const res = await post({ cookie: alice.cookies, 'sec-fetch-site': 'same-origin', 'x-csrftoken': 'wrong' });
      expect(res.statusCode).toBe(200);
    });
  });

  describe('refuses with 403, never cached, even with the right token', () => {
    it.each<[string, Record<string, string>]>([
      ['Sec-Fetch-Site: same-site without an Origin', { 'sec-fetch-site': 'same-site' }],
      ['Sec-Fetch-Site: cross-site without an Origin', { 'sec-fetch-site': 'cross-site' }],
      [
        'Sec-Fetch-Site: same-site from a sibling origin not listed',
        { 'sec-fetch-site': 'same-site', origin: 'https://blog.example.test' },
      ],
      ['Sec-Fetch-Site: cross-site from another site', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' }],
      ['a Sec-Fetch-Site value it does not know', { 'sec-fetch-site': 'same-origin, cross-site' }],
      ['an Origin naming another origin (no Sec-Fetch-Site)', { origin: 'https://evil.test' }],
      ['an Origin on another port of the same host', { origin: `${OWN_ORIGIN}:8443` }],
      ['an Origin whose host only starts like ours', { origin: `https://${HOST}.evil.test` }],
      ['Origin: null (a sandboxed or redirected document)', { origin: 'null' }],
      ['an Origin that is not a URL', { origin: 'not a url' }],
    ])('%s', async (_what, headers) => {
      for (const token of [{}, { 'x-csrftoken': alice.csrf }] as Record<string, string>[]) {
        const res = await post({ cookie: alice.cookies, ...token, ...headers });
        expect(res.statusCode).toBe(403);
        expect(res.json()).toEqual({ statusCode: 403, error: 'Forbidden', message: CROSS_ORIGIN_MESSAGE });
        expect(res.headers['cache-control']).toBe(NEVER_CACHE);
      }
    });
  });

  describe('with neither header, the double-submit token is still required', () => {
    it('passes with the csrftoken cookie’s value in X-CSRFToken or X-CSRF-Token', async () => {
      await expect(post({ cookie: alice.cookies, 'x-csrftoken': alice.csrf })).resolves.toMatchObject({
        statusCode: 200,
      });
      await expect(post({ cookie: alice.cookies, 'x-csrf-token': alice.csrf })).resolves.toMatchObject({
        statusCode: 200,
      });
    });

    it('refuses a request without it, never cached', async () => {
      const res = await post({ cookie: alice.cookies });
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({ statusCode: 403, error: 'Forbidden', message: CSRF_TOKEN_MESSAGE });
      expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    });
  });

  describe('bearer calls are not affected', () => {
    it.each<Record<string, string>>([
      {},
      { 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' },
      { origin: 'null' },
    ])('%j passes with a bearer token', async (headers) => {
      await expect(post({ ...alice.bearer, ...headers })).resolves.toMatchObject({ statusCode: 200 });
    });
  });

  it('safe methods are never refused for where they come from', async () => {
    const res = await t.inject({
      method: 'GET',
      url: '/auth/me',
      headers: { host: HOST, cookie: alice.cookies, 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' },
    });
    expect(res.statusCode).toBe(200);
  });

  it('the sign-in routes refuse the same pages', async () => {
    for (const headers of [{ 'sec-fetch-site': 'same-site' }, { origin: 'https://evil.test' }, { origin: 'null' }]) {
      const res = await t.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { host: HOST, ...headers },
        payload: { username: 'alice', password: 'pw-alice' },
      });
      expect(res.statusCode).toBe(403);
    }
    for (const headers of [{}, { 'sec-fetch-site': 'same-origin' }, { origin: OWN_ORIGIN }, { origin: DASHBOARD }]) {
      const res = await t.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { host: HOST, ...headers },
        payload: { username: 'alice', password: 'pw-alice' },
      });
      expect(res.statusCode).toBe(200);
    }
  });

  it('the sign-in routes refuse a cross-site post before anything about its body', async () => {
    const crossSite = { host: HOST, 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' };
    const bodies = [
      { url: '/auth/login', type: 'application/json', payload: '{"username":' },
      // The classic cross-site form: a content type a form can send without a preflight.
      { url: '/login/', type: 'text/plain', payload: 'username=alice&password=pw-alice' },
      { url: '/auth/logout', type: 'application/json', payload: '[' },
    ];
    for (const { url, type, payload } of bodies) {
      const res = await t.inject({ method: 'POST', url, headers: { ...crossSite, 'content-type': type }, payload });
      expect({ url, status: res.statusCode }).toEqual({ url, status: 403 });
    }
  });
});
