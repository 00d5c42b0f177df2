import { DataSource } from 'typeorm';
import { loginAs, type Session } from './support/auth.js';
import { Factories } from './support/factories.js';
import { parseRaw, rawRequest } from './support/raw-http.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const PROVIDERS = '/dashboard/passthrough/api/providers/';
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

type Headers = Record<string, string | string[] | number | undefined>;

/** The rest of helmet's set, the same on every answer (the policy and CORP may differ by route). */
const HELMET_SET = {
  'cross-origin-opener-policy': 'same-origin',
  'origin-agent-cluster': '?1',
  'x-dns-prefetch-control': 'off',
  'x-download-options': 'noopen',
  'x-permitted-cross-domain-policies': 'none',
  'x-xss-protection': '0',
};

/** The headers every answer carries, whatever it is. */
function expectSecurityHeaders(headers: Headers): void {
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toMatch(/^(no-referrer|same-origin)$/);
  expect(headers['x-frame-options']).toBe('DENY');
  expect(String(headers['content-security-policy'])).toMatch(/frame-ancestors 'none'/);
  expect(headers['x-powered-by']).toBeUndefined();
  for (const [name, value] of Object.entries(HELMET_SET))
    expect({ name, value: headers[name] }).toEqual({ name, value });
}

describe('security headers', () => {
  describe.each([
    ['COOKIE_SECURE=true (served over HTTPS)', { COOKIE_SECURE: 'true' }, true],
    ['cookies not Secure (plain HTTP, as in development)', {}, false],
  ])('%s', (_what, env, hsts) => {
    let t: TestApp;
    let alice: Session;

    beforeAll(async () => {
      t = await startTestApp(env);
      await new Factories(t.app.get(DataSource)).user({ username: 'alice' });
      // Signed in through the JSON API (POST /auth/login): the token for the bearer calls, and the
      // cookies taken straight from its Set-Cookie (Secure or not: inject keeps no cookie jar).
      alice = await loginAs(t, 'alice');
    });
    afterAll(async () => {
      await t?.close();
    });

    /** One of each kind of answer: JSON, HTML, errors, redirects, assets. */
    const answers = () => [
      { kind: 'JSON 200 (public)', req: { method: 'GET', url: '/healthz' } },
      { kind: 'HEAD', req: { method: 'HEAD', url: '/healthz' } },
      {
        kind: 'CORS preflight',
        req: {
          method: 'OPTIONS',
          url: PROVIDERS,
          headers: { origin: 'https://elsewhere.test', 'access-control-request-method': 'POST' },
        },
      },
      { kind: 'JSON 200 (the providers list)', req: { method: 'POST', url: PROVIDERS, headers: alice.bearer } },
      { kind: 'JSON 401', req: { method: 'POST', url: PROVIDERS } },
      { kind: 'JSON 404', req: { method: 'GET', url: '/no/such/route' } },
      { kind: 'JSON 405', req: { method: 'GET', url: PROVIDERS, headers: alice.bearer } },
      {
        kind: 'JSON 413',
        req: {
          method: 'POST',
          url: PROVIDERS,
          headers: { 'content-type': 'application/json' },
          payload: 'x'.repeat(70_000),
        },
      },
      { kind: 'HTML login page', req: { method: 'GET', url: '/login/' } },
      { kind: 'the login page stylesheet', req: { method: 'GET', url: '/login/login.css' } },
      {
        kind: 'HTML dashboard page',
        req: { method: 'GET', url: '/dashboard/passthrough/', headers: { cookie: alice.cookies, accept: 'text/html' } },
      },
      { kind: '302 to the login page', req: { method: 'GET', url: '/auth/me', headers: { accept: 'text/html' } } },
      {
        kind: '303 after signing in',
        req: { method: 'POST', url: '/login/', headers: FORM, payload: 'username=alice&password=pw-alice' },
      },
      { kind: 'Swagger UI', req: { method: 'GET', url: '/docs' } },
      { kind: 'the OpenAPI document', req: { method: 'GET', url: '/docs-json' } },
    ];

    it('on every kind of answer: nosniff, a referrer policy, no framing, a CSP, no X-Powered-By', async () => {
      for (const { kind, req } of answers()) {
        const res = await t.inject(req as Parameters<TestApp['inject']>[0]);
        expect({ kind, ok: res.statusCode < 500 }).toEqual({ kind, ok: true });
        expectSecurityHeaders(res.headers);
        expect({ kind, hsts: res.headers['strict-transport-security'] }).toEqual({
          kind,
          hsts: hsts ? 'max-age=31536000; includeSubDomains' : undefined,
        });
      }
    });

    it('JSON and errors get a policy that allows nothing at all', async () => {
      for (const url of ['/healthz', '/no/such/route']) {
        const res = await t.inject({ method: 'GET', url });
        expect(res.headers['content-security-policy']).toBe(
          "default-src 'none';base-uri 'none';form-action 'none';frame-ancestors 'none'",
        );
        expect(res.headers['cross-origin-resource-policy']).toBe('same-origin');
      }
    });

    it('the HTML pages keep their own strict policies', async () => {
      const login = await t.inject({ method: 'GET', url: '/login/' });
      expect(login.headers['content-security-policy']).toBe(
        "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
      );
      const dashboard = await t.inject({
        method: 'GET',
        url: '/dashboard/passthrough/',
        headers: { cookie: alice.cookies, accept: 'text/html' },
      });
      expect(dashboard.statusCode).toBe(200);
      expect(String(dashboard.headers['content-security-policy'])).toMatch(/^default-src 'none'; script-src 'self';/);
    });

    it('Swagger UI gets a policy of its own: scripts from the site only, inline styles, data: images', async () => {
      for (const url of ['/docs', '/docs/swagger-ui.css', '/docs/swagger-ui-init.js']) {
        const res = await t.inject({ method: 'GET', url });
        expect(res.statusCode).toBe(200);
        const csp = String(res.headers['content-security-policy']);
        expect(csp).toContain("script-src 'self'");
        expect(csp).toContain("style-src 'self' 'unsafe-inline'");
        expect(csp).toContain("img-src 'self' data:");
        expect(csp).toContain("frame-ancestors 'none'");
        expect(csp).not.toMatch(/script-src[^;]*unsafe/);
      }
    });

    it('the dashboard’s public assets may be loaded by the page from another origin', async () => {
      const page = await t.inject({
        method: 'GET',
        url: '/dashboard/passthrough/',
        headers: { cookie: alice.cookies, accept: 'text/html' },
      });
      const asset = /src="(\/dashboard\/passthrough\/assets\/[^"]+\.js)"/.exec(page.body)![1];
      const res = await t.inject({ method: 'GET', url: asset });
      expect(res.statusCode).toBe(200);
      expect(res.headers['cross-origin-resource-policy']).toBe('cross-origin');
      expectSecurityHeaders(res.headers);
    });

    it('what the HTTP parser refuses before any route carries them too', async () => {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      const port = (t.app.getHttpServer().address() as { port: number }).port;
      // Read until the server closes the connection.
      const { text } = await rawRequest(port, (socket) =>
        socket.write(
          'POST /auth/login HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n',
        ),
      );
      expect(text).toMatch(/^HTTP\/1\.1 400 /);
      expectSecurityHeaders(parseRaw(text).headers);
    });
  });

  it('a production start-up over plain HTTP (ALLOW_INSECURE_COOKIES) sends no HSTS', async () => {
    const t = await startTestApp({
      NODE_ENV: 'production',
      COOKIE_SECURE: 'false',
      ALLOW_INSECURE_COOKIES: 'true',
      JWT_SECRET: 'a-production-secret-that-is-long-enough-0123456789',
    });
    try {
      const res = await t.inject({ method: 'GET', url: '/healthz' });
      expect(res.headers['strict-transport-security']).toBeUndefined();
      const secure = await startTestApp(
        { NODE_ENV: 'production', JWT_SECRET: 'a-production-secret-that-is-long-enough-0123456789' },
        t.db,
      );
      try {
        expect((await secure.inject({ method: 'GET', url: '/healthz' })).headers['strict-transport-security']).toBe(
          'max-age=31536000; includeSubDomains',
        );
      } finally {
        await secure.close();
      }
    } finally {
      await t.close();
    }
  });
});
