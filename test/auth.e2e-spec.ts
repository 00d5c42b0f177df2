import jwt from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { cookiesOf, loginAs, type Session } from './support/auth.js';
import { NEVER_CACHE } from './support/error-shape.js';
import { Factories } from './support/factories.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';

const BROWSER_ACCEPT = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
/** The product's endpoint: a guarded POST, where CSRF matters. */
const PROVIDERS = '/dashboard/passthrough/api/providers/';

describe('authentication', () => {
  let t: TestApp;
  let db: DataSource;
  let f: Factories;
  let aliceId: number;

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    f = new Factories(db);
    const acme = await f.account({ accountNumber: '2000-0000-0002' });
    const globex = await f.account({ accountNumber: '1000-0000-0001' });
    aliceId = await f.user({ username: 'alice', email: 'alice@acme.test' });
    await f.profile(aliceId, acme);
    await f.profile(aliceId, globex);
    await f.user({ username: 'bob' });
    await f.user({ username: 'carol', isActive: false });
    await f.user({ username: 'root', isSuperuser: true, isStaff: true });
  });
  afterAll(async () => {
    await t?.close();
  });

  const login = (payload: unknown, headers: Record<string, string> = {}) =>
    t.inject({ method: 'POST', url: '/auth/login', payload: payload as string, headers });

  describe('POST /auth/login', () => {
    it('signs in: the token response, an HS256 token with every claim, and both cookies', async () => {
      const res = await login({ username: 'alice', password: 'pw-alice' });
      expect(res.statusCode).toBe(200);
      const body = res.json();
      expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
      expect(body).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });

      const decoded = jwt.verify(body.access_token, TEST_JWT_SECRET, { algorithms: ['HS256'], complete: true });
      expect(decoded.header.alg).toBe('HS256');
      const claims = decoded.payload as jwt.JwtPayload;
      expect(claims).toMatchObject({ sub: String(aliceId), iss: 'providers-service', aud: 'providers-service' });
      expect(claims.exp! - claims.iat!).toBe(3600);
      expect(claims.jti).toEqual(expect.any(String));

      const setCookie = res.headers['set-cookie'] as string[];
      const access = setCookie.find((c) => c.startsWith('access_token='))!;
      const csrf = setCookie.find((c) => c.startsWith('csrftoken='))!;
      expect(access).toContain(`access_token=${body.access_token};`);
      expect(access).toMatch(/; HttpOnly/);
      expect(access).toMatch(/; SameSite=Lax/);
      expect(access).toMatch(/; Path=\//);
      expect(access).toMatch(/; Max-Age=3600/);
      expect(access).not.toMatch(/; Secure/); // COOKIE_SECURE is off outside production
      expect(csrf).not.toMatch(/HttpOnly/); // the page's script reads it
      expect(csrf).toMatch(/; SameSite=Lax/);
      expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    });

    it('accepts a urlencoded form too', async () => {
      const res = await login('username=bob&password=pw-bob', { 'content-type': 'application/x-www-form-urlencoded' });
      expect(res.statusCode).toBe(200);
      expect(res.json().access_token).toEqual(expect.any(String));
    });

    it('answers a wrong password, an unknown user and an inactive user identically (no enumeration)', async () => {
      const answers = await Promise.all([
        login({ username: 'alice', password: 'wrong' }),
        login({ username: 'nobody-by-that-name', password: 'pw-nobody' }),
        login({ username: 'carol', password: 'pw-carol' }),
      ]);
      for (const res of answers) {
        expect(res.statusCode).toBe(401);
        expect(res.body).toBe(answers[0].body);
        expect(res.headers['www-authenticate']).toBe('Bearer realm="providers"');
        expect(res.headers['set-cookie']).toBeUndefined();
      }
      expect(answers[0].json()).toEqual({
        statusCode: 401,
        error: 'Unauthorized',
        message: 'Invalid username or password',
      });
    });

    it('takes about as long for an unknown user as for a wrong password (a hash is checked either way)', async () => {
      const timed = async (username: string) => {
        const start = performance.now();
        const res = await login({ username, password: 'not-the-password' });
        expect(res.statusCode).toBe(401);
        return performance.now() - start;
      };
      const known: number[] = [];
      const unknown: number[] = [];
      for (let i = 0; i < 3; i++) {
        known.push(await timed('root'));
        unknown.push(await timed(`ghost-${i}`));
      }
      const median = (xs: number[]) => xs.sort((a, b) => a - b)[1];
      // Without the dummy hash an unknown user answers in a small fraction of the time.
      expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
    });

    it.each([
      [
        'missing fields',
        {},
        ['username must be a string of 1 to 150 characters', 'password must be a string of 1 to 1024 characters'],
      ],
      ['a missing password', { username: 'alice' }, ['password must be a string of 1 to 1024 characters']],
      [
        'non-string fields',
        { username: 42, password: ['pw-alice'] },
        ['username must be a string of 1 to 150 characters', 'password must be a string of 1 to 1024 characters'],
      ],
      [
        'an object as username',
        { username: { $ne: '' }, password: 'x' },
        ['username must be a string of 1 to 150 characters'],
      ],
      [
        'empty strings',
        { username: '', password: '' },
        ['username must be a string of 1 to 150 characters', 'password must be a string of 1 to 1024 characters'],
      ],
      [
        'a JSON array',
        [],
        ['username must be a string of 1 to 150 characters', 'password must be a string of 1 to 1024 characters'],
      ],
    ])('400 with field messages for %s', async (_what, payload, messages) => {
      const res = await login(JSON.stringify(payload), { 'content-type': 'application/json' });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toEqual({ statusCode: 400, error: 'Bad Request', message: messages });
    });

    it('400 for malformed JSON, and for no body at all', async () => {
      const malformed = await login('{"username": "alice", ', { 'content-type': 'application/json' });
      expect(malformed.statusCode).toBe(400);
      expect(malformed.json().message).toBe('Request body is not valid JSON');
      const empty = await login('', { 'content-type': 'application/json' });
      expect(empty.statusCode).toBe(400);
    });

    it.each(['text/plain', 'application/xml', 'multipart/form-data; boundary=x'])('415 for %s', async (type) => {
      const res = await login('username=alice&password=pw-alice', { 'content-type': type });
      expect(res.statusCode).toBe(415);
      expect(res.json().error).toBe('Unsupported Media Type');
    });

    it.each([
      ['application/json', JSON.stringify({ username: 'alice', password: 'x'.repeat(20 * 1024) })],
      ['application/x-www-form-urlencoded', `username=alice&password=${'x'.repeat(20 * 1024)}`],
      ['text/plain', 'x'.repeat(20 * 1024)],
    ])('413 for a %s body over 16 KiB', async (type, payload) => {
      const res = await login(payload, { 'content-type': type });
      expect(res.statusCode).toBe(413);
      expect(res.json()).toMatchObject({ statusCode: 413, error: 'Payload Too Large' });
    });

    it('refuses a sign-in posted from another site (login CSRF), accepts one from its own origin', async () => {
      const credentials = { username: 'bob', password: 'pw-bob' };
      for (const origin of ['https://evil.test', 'null', 'http://localhost.evil.test', 'not a url']) {
        const res = await login(credentials, { origin, host: 'localhost:3000' });
        expect(res.statusCode).toBe(403);
        expect(res.json().message).toBe('Cross-site sign-in requests are refused');
      }
      const crossSite = await login(credentials, { 'sec-fetch-site': 'cross-site' });
      expect(crossSite.statusCode).toBe(403);
      const sameOrigin = await login(credentials, { origin: 'http://localhost:3000', host: 'localhost:3000' });
      expect(sameOrigin.statusCode).toBe(200);
    });
  });

  describe('sessions', () => {
    let alice: Session;
    beforeAll(async () => {
      alice = await loginAs(t, 'alice');
    });

    it('GET /auth/me answers exactly the documented fields, accounts sorted', async () => {
      const res = await t.inject({ method: 'GET', url: '/auth/me', headers: alice.bearer });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        id: aliceId,
        username: 'alice',
        email: 'alice@acme.test',
        is_superuser: false,
        is_staff: false,
        accounts: ['1000-0000-0001', '2000-0000-0002'],
      });
      const root = await loginAs(t, 'root');
      const me = await t.inject({ method: 'GET', url: '/auth/me', headers: root.bearer });
      expect(me.json()).toMatchObject({ username: 'root', is_superuser: true, is_staff: true, accounts: [] });
    });

    it('authenticates by the bearer token or, failing that, by the access cookie', async () => {
      const byCookie = await t.inject({
        method: 'GET',
        url: '/auth/me',
        headers: { cookie: `access_token=${alice.token}` },
      });
      expect(byCookie.statusCode).toBe(200);
      expect(byCookie.json().username).toBe('alice');
      const bob = await loginAs(t, 'bob');
      // The Authorization header decides when present: bob's header wins over alice's cookie.
      const both = await t.inject({
        method: 'GET',
        url: '/auth/me',
        headers: { ...bob.bearer, cookie: alice.cookies },
      });
      expect(both.json().username).toBe('bob');
      // ... and a bad header is not rescued by a good cookie.
      const badHeader = await t.inject({
        method: 'GET',
        url: '/auth/me',
        headers: { authorization: 'Bearer x.y.z', cookie: alice.cookies },
      });
      expect(badHeader.statusCode).toBe(401);
      expect(badHeader.headers['www-authenticate']).toBe('Bearer realm="providers", error="invalid_token"');
    });

    it("a deactivated user's token stops working at once (and works again on reactivation)", async () => {
      const id = await f.user({ username: 'dave' });
      const dave = await loginAs(t, 'dave');
      const me = () => t.inject({ method: 'GET', url: '/auth/me', headers: dave.bearer });
      await expect(me()).resolves.toMatchObject({ statusCode: 200 });
      await db.query('UPDATE users SET is_active = false WHERE id = $1', [id]);
      const refused = await me();
      expect(refused.statusCode).toBe(401);
      expect(refused.headers['www-authenticate']).toBe('Bearer realm="providers", error="invalid_token"');
      const viaCookie = await t.inject({ method: 'GET', url: '/auth/me', headers: { cookie: dave.cookies } });
      expect(viaCookie.statusCode).toBe(401);
      await db.query('UPDATE users SET is_active = true WHERE id = $1', [id]);
      await expect(me()).resolves.toMatchObject({ statusCode: 200 });
    });

    it('POST /auth/logout clears both cookies (204), and refuses a cross-site post', async () => {
      const res = await t.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: alice.cookies } });
      expect(res.statusCode).toBe(204);
      const cleared = res.headers['set-cookie'] as string[];
      expect(cleared).toHaveLength(2);
      for (const name of ['access_token', 'csrftoken']) {
        const line = cleared.find((c) => c.startsWith(`${name}=;`))!;
        expect(line).toMatch(/Max-Age=0|Expires=Thu, 01 Jan 1970/);
        expect(line).toMatch(/Path=\//);
      }
      const crossSite = await t.inject({
        method: 'POST',
        url: '/auth/logout',
        headers: { origin: 'https://evil.test' },
      });
      expect(crossSite.statusCode).toBe(403);
    });
  });

  describe('CSRF on cookie-authenticated unsafe requests', () => {
    let alice: Session;
    let aliceAgain: Session;
    beforeAll(async () => {
      alice = await loginAs(t, 'alice');
      aliceAgain = await loginAs(t, 'alice');
    });
    const post = (headers: Record<string, string>) =>
      t.inject({ method: 'POST', url: PROVIDERS, headers: { 'content-type': 'application/json', ...headers } });

    it('the right token in X-CSRF-Token or X-CSRFToken passes', async () => {
      await expect(post({ cookie: alice.cookies, 'x-csrf-token': alice.csrf })).resolves.toMatchObject({
        statusCode: 200,
      });
      await expect(post({ cookie: alice.cookies, 'x-csrftoken': alice.csrf })).resolves.toMatchObject({
        statusCode: 200,
      });
    });

    it.each([
      ['no header', () => ({ cookie: alice.cookies })],
      ['a wrong header', () => ({ cookie: alice.cookies, 'x-csrf-token': `${alice.csrf.slice(0, -2)}xx` })],
      [
        'a header without the csrftoken cookie',
        () => ({ cookie: `access_token=${alice.token}`, 'x-csrf-token': alice.csrf }),
      ],
      ['the csrftoken cookie without a header', () => ({ cookie: alice.cookies })],
      ["another session's token in the header", () => ({ cookie: alice.cookies, 'x-csrf-token': aliceAgain.csrf })],
      [
        "another session's token in both header and cookie",
        () => ({
          cookie: `access_token=${alice.token}; csrftoken=${aliceAgain.csrf}`,
          'x-csrf-token': aliceAgain.csrf,
        }),
      ],
      ['an empty header', () => ({ cookie: alice.cookies, 'x-csrf-token': '' })],
    ])('403 with %s', async (_what, headers) => {
      const res = await post(headers());
      expect(res.statusCode).toBe(403);
      expect(res.json()).toEqual({
        statusCode: 403,
        error: 'Forbidden',
        message: 'CSRF token missing or incorrect: send the value of the csrftoken cookie in an X-CSRF-Token header',
      });
      expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    });

    it('bearer-authenticated requests need no CSRF token', async () => {
      await expect(post(alice.bearer)).resolves.toMatchObject({ statusCode: 200 });
    });

    it('safe methods need none either', async () => {
      const res = await t.inject({ method: 'GET', url: '/auth/me', headers: { cookie: alice.cookies } });
      expect(res.statusCode).toBe(200);
    });
  });

  describe('anonymous and bad credentials on guarded routes', () => {
    it('401 JSON with WWW-Authenticate, never cached, for an API client', async () => {
      for (const accept of [undefined, '*/*', 'application/json', 'application/json, text/html']) {
        const res = await t.inject({ method: 'GET', url: '/auth/me', headers: accept ? { accept } : {} });
        expect(res.statusCode).toBe(401);
        expect(res.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Authentication required' });
        expect(res.headers['www-authenticate']).toBe('Bearer realm="providers"');
        expect(res.headers['cache-control']).toBe(NEVER_CACHE);
        expect(res.headers.vary).toMatch(/Authorization, Cookie/);
      }
    });

    it('302 to the login page, with the path as `next`, for a browser navigation', async () => {
      const res = await t.inject({ method: 'GET', url: '/auth/me?tab=a&x=%2F', headers: { accept: BROWSER_ACCEPT } });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe(`/login/?next=${encodeURIComponent('/auth/me?tab=a&x=%2F')}`);
      expect(res.headers['cache-control']).toBe(NEVER_CACHE);
      const expired = jwt.sign({ jti: 'j' }, TEST_JWT_SECRET, {
        subject: String(aliceId),
        issuer: 'providers-service',
        audience: 'providers-service',
        expiresIn: -60,
      });
      const withStaleCookie = await t.inject({
        method: 'GET',
        url: '/auth/me',
        headers: { accept: BROWSER_ACCEPT, cookie: `access_token=${expired}` },
      });
      expect(withStaleCookie.statusCode).toBe(302);
    });

    it('decides authentication before anything about the body or the method', async () => {
      for (const [type, payload] of [
        ['application/json', '{"broken'],
        ['text/plain', 'hello'],
        ['application/xml', '<a/>'],
      ]) {
        const res = await t.inject({ method: 'POST', url: PROVIDERS, headers: { 'content-type': type }, payload });
        expect(res.statusCode).toBe(401);
      }
      const put = await t.inject({ method: 'PUT', url: PROVIDERS });
      expect(put.statusCode).toBe(401);
      // The transport's size limit is the one exception: 413 whoever sends it.
      const huge = await t.inject({
        method: 'POST',
        url: PROVIDERS,
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ x: 'y'.repeat(70 * 1024) }),
      });
      expect(huge.statusCode).toBe(413);
    });
  });
});

describe('CORS and secure cookies', () => {
  let t: TestApp;
  const DASHBOARD = 'https://dashboard.example.test';

  beforeAll(async () => {
    t = await startTestApp({ CORS_ORIGINS: `${DASHBOARD}, https://other.example.test`, COOKIE_SECURE: 'true' });
    await new Factories(t.app.get(DataSource)).user({ username: 'erin' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers an allowed origin’s preflight with credentials and every header the dashboard app sends', async () => {
    const res = await t.inject({
      method: 'OPTIONS',
      url: PROVIDERS,
      headers: {
        origin: DASHBOARD,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-csrftoken,x-smarter-client,x-smarter-requestid',
      },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(DASHBOARD);
    expect(res.headers['access-control-allow-credentials']).toBe('true');
    const allowed = String(res.headers['access-control-allow-headers'])
      .split(',')
      .map((h) => h.trim().toLowerCase());
    expect(allowed).toEqual(
      expect.arrayContaining([
        'content-type',
        'authorization',
        'x-csrf-token',
        'x-csrftoken',
        'x-smarter-client',
        'x-smarter-clientversion',
        'x-smarter-clienttype',
        'x-smarter-requestid',
        'x-smarter-capabilities',
      ]),
    );
  });

  it('gives no CORS headers to an origin that is not listed', async () => {
    const res = await t.inject({
      method: 'OPTIONS',
      url: PROVIDERS,
      headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' },
    });
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('lets a listed origin sign in, and marks the cookies Secure when COOKIE_SECURE=true', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/auth/login',
      headers: { origin: DASHBOARD },
      payload: { username: 'erin', password: 'pw-erin' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['access-control-allow-origin']).toBe(DASHBOARD);
    for (const line of res.headers['set-cookie'] as string[]) expect(line).toMatch(/; Secure/);
    expect(Object.keys(cookiesOf(res.headers['set-cookie'])).sort()).toEqual(['access_token', 'csrftoken']);
  });
});
