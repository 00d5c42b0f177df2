import { DataSource } from 'typeorm';
import { cookiesOf, loginAs, type Session } from './support/auth.js';
import { expectErrorShape, NEVER_CACHE } from './support/error-shape.js';
import { Factories } from './support/factories.js';
import { parseRaw, rawRequest } from './support/raw-http.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const LOGIN = '/auth/login';
const PROVIDERS = '/dashboard/passthrough/api/providers/';
const MB = 1024 * 1024;

const nestedArrays = (depth: number) => `${'['.repeat(depth)}${']'.repeat(depth)}`;
const nestedObjects = (depth: number) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;

/**
 * How the raw-socket tests read an answer: until the server closes the connection or a second
 * passes without a byte, the server closing while the client still writes being expected.
 */
const RAW = { idleMs: 1000, ignoreErrors: true };

describe('hostile input on the login route and the providers route', () => {
  let t: TestApp;
  let port: number;
  let alice: Session;
  let bob: Session;
  let aliceList: string;

  beforeAll(async () => {
    t = await startTestApp();
    const f = new Factories(t.app.get(DataSource));
    const account = await f.account();
    const aliceId = await f.user({ username: 'alice' });
    await f.provider(await f.profile(aliceId, account), { name: 'acme-gateway' });
    await f.user({ username: 'bob' });
    alice = await loginAs(t, 'alice');
    bob = await loginAs(t, 'bob');
    aliceList = (await t.inject({ method: 'POST', url: PROVIDERS, headers: alice.bearer })).body;
    expect(JSON.parse(aliceList).providers).toHaveLength(1);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** The same hostile request three ways: a sign-in, the list signed in, the list anonymous. */
  const TARGETS = [
    { name: 'POST /auth/login', url: LOGIN, headers: () => ({}) },
    { name: 'POST providers (signed in)', url: PROVIDERS, headers: () => alice.bearer },
    { name: 'POST providers (anonymous)', url: PROVIDERS, headers: () => ({}) },
  ];

  describe('bodies', () => {
    const BODIES: [string, string | undefined, string][] = [
      ['malformed JSON', 'application/json', '{"username": "alice", '],
      ['JSON that is an array', 'application/json', '[{"username":"alice","password":"pw-alice"}]'],
      ['JSON that is a string', 'application/json', '"alice"'],
      ['JSON that is a number', 'application/json', '42'],
      ['JSON null', 'application/json', 'null'],
      // Within the login route's 16 KiB: deep enough to have overflowed the stack.
      ['arrays nested 7 000 deep', 'application/json', nestedArrays(7000)],
      ['objects nested 2 500 deep', 'application/json', nestedObjects(2500)],
      ['a username nested 1 000 deep', 'application/json', `{"username":${nestedArrays(1000)},"password":"x"}`],
      ['a username nested 32 deep (the limit)', 'application/json', `{"username":${nestedArrays(31)},"password":"x"}`],
      ['a __proto__ key', 'application/json', '{"username":"alice","password":"x","__proto__":{"isSuperuser":true}}'],
      [
        'a constructor.prototype key',
        'application/json',
        '{"username":"alice","password":"x","constructor":{"prototype":{"a":1}}}',
      ],
      ['a NUL in the username', 'application/json', '{"username":"ali\\u0000ce","password":"pw-alice"}'],
      ['a lone surrogate in the username', 'application/json', '{"username":"\\ud800","password":"pw-alice"}'],
      ['text/plain', 'text/plain', 'username=alice&password=pw-alice'],
      ['application/xml', 'application/xml', '<login><username>alice</username></login>'],
      [
        'multipart',
        'multipart/form-data; boundary=x',
        '--x\r\nContent-Disposition: form-data; name="username"\r\n\r\nalice\r\n--x--',
      ],
      ['two content types in one header', 'application/json, text/plain', '{"username":"alice","password":"pw-alice"}'],
      ['a content type that does not parse', ';;;', '{}'],
      ['no content type at all', undefined, '{"username":"alice","password":"pw-alice"}'],
      [
        'a form with the username twice',
        'application/x-www-form-urlencoded',
        'username=alice&username=bob&password=pw-alice',
      ],
    ];

    describe.each(TARGETS)('$name', ({ url, headers }) => {
      it.each(BODIES)(
        '%s: a 4xx in the documented shape (or, for the list, its answer), never a 500',
        async (_what, type, payload) => {
          const res = await t.inject({
            method: 'POST',
            url,
            headers: { ...headers(), ...(type ? { 'content-type': type } : {}) },
            payload,
          });
          expect(res.statusCode).toBeLessThan(500);
          expect(res.headers['cache-control']).toBe(NEVER_CACHE);
          if (res.statusCode >= 400) expectErrorShape(res);
          if (url === PROVIDERS && 'authorization' in headers()) {
            // The list never reads its body: the answer is the list, whatever was sent, unless the
            // Content-Type header itself cannot be parsed (Fastify refuses it, 415).
            if (res.statusCode !== 415) expect(res.body).toBe(aliceList);
          } else if (url === PROVIDERS) {
            expect([401, 415]).toContain(res.statusCode);
          } else {
            expect([400, 401, 415]).toContain(res.statusCode);
          }
        },
      );
    });

    it('the login route says what is wrong with the body', async () => {
      const post = (type: string, payload: string) =>
        t.inject({ method: 'POST', url: LOGIN, headers: { 'content-type': type }, payload });
      expect(expectErrorShape(await post('application/json', '{"username": '), 400).message).toBe(
        'Request body is not valid JSON',
      );
      expect(expectErrorShape(await post('application/json', nestedArrays(7000)), 400).message).toBe(
        'Request body is nested more than 32 levels deep',
      );
      expect(expectErrorShape(await post('application/json', '"alice"'), 400).message).toEqual([
        'username must be a string of 1 to 150 characters',
        'password must be a string of 1 to 1024 characters',
      ]);
      expect(expectErrorShape(await post('text/plain', 'x'), 415).message).toBe(
        'Send application/json or application/x-www-form-urlencoded',
      );
      // A name PostgreSQL could not even store is an unknown user, answered like any other.
      expect(
        expectErrorShape(await post('application/json', '{"username":"a\\u0000","password":"x"}'), 401).message,
      ).toBe('Invalid username or password');
    });
  });

  describe('a 10 MB body', () => {
    const huge = JSON.stringify({ username: 'alice', password: 'x'.repeat(10 * MB) });

    it.each(TARGETS)('$name: 413 in the documented shape', async ({ url, headers }) => {
      const res = await t.inject({
        method: 'POST',
        url,
        headers: { ...headers(), 'content-type': 'application/json' },
        payload: huge,
      });
      expectErrorShape(res, 413);
    });

    it.each([
      ['announced by Content-Length', `Content-Length: ${10 * MB}\r\n`],
      ['sent chunked, with no length announced', 'Transfer-Encoding: chunked\r\n'],
    ])('%s: refused without reading it all, the connection closed, the server fine', async (_what, framing) => {
      const chunked = framing.startsWith('Transfer');
      const answer = await rawRequest(
        port,
        (socket) => {
          socket.write(`POST ${LOGIN} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n${framing}\r\n`);
          const piece = Buffer.alloc(64 * 1024, 'x');
          // Written as fast as the socket takes it, until the server hangs up.
          const pump = (sent: number) => {
            while (sent < 10 * MB && !socket.destroyed) {
              sent += piece.length;
              const ok = socket.write(
                chunked
                  ? Buffer.concat([Buffer.from(`${piece.length.toString(16)}\r\n`), piece, Buffer.from('\r\n')])
                  : piece,
              );
              if (!ok) return socket.once('drain', () => pump(sent));
            }
            if (!socket.destroyed) socket.write(chunked ? '0\r\n\r\n' : '');
          };
          pump(0);
        },
        { ...RAW, idleMs: 3000 },
      );
      expect(answer.statuses).toEqual([413]);
      expectErrorShape(parseRaw(answer.text), 413);
      expect(answer.closed).toBe(true);
      expect(answer.ms).toBeLessThan(3000);
      const next = await t.inject({ method: 'GET', url: '/healthz' });
      expect(next.statusCode).toBe(200);
    });
  });

  describe('Transfer-Encoding and Content-Length tricks (raw socket)', () => {
    const framings: [string, string, string][] = [
      [
        'chunked with a lying Content-Length',
        'Transfer-Encoding: chunked\r\nContent-Length: 4\r\n',
        '2\r\n{}\r\n0\r\n\r\n',
      ],
      [
        'Content-Length before Transfer-Encoding',
        'Content-Length: 100\r\nTransfer-Encoding: chunked\r\n',
        '2\r\n{}\r\n0\r\n\r\n',
      ],
      ['Transfer-Encoding: chunked, identity', 'Transfer-Encoding: chunked, identity\r\n', '2\r\n{}\r\n0\r\n\r\n'],
      ['Transfer-Encoding: identity', 'Transfer-Encoding: identity\r\nContent-Length: 2\r\n', '{}'],
      ['Transfer-Encoding: xchunked', 'Transfer-Encoding: xchunked\r\n', '2\r\n{}\r\n0\r\n\r\n'],
      [
        'Transfer-Encoding twice',
        'Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n',
        '2\r\n{}\r\n0\r\n\r\n',
      ],
      ['a space before the colon', 'Transfer-Encoding : chunked\r\n', '2\r\n{}\r\n0\r\n\r\n'],
      ['a folded Transfer-Encoding', 'Transfer-Encoding:\r\n chunked\r\n', '2\r\n{}\r\n0\r\n\r\n'],
      ['two different Content-Lengths', 'Content-Length: 2\r\nContent-Length: 3\r\n', '{}'],
      ['a chunk size that is not hex', 'Transfer-Encoding: chunked\r\n', 'zz\r\n{}\r\n0\r\n\r\n'],
      ['a chunk longer than it says', 'Transfer-Encoding: chunked\r\n', '1\r\n{}\r\n0\r\n\r\n'],
      ['a negative Content-Length', 'Content-Length: -1\r\n', '{}'],
    ];
    // A request hidden in the body, which a server that trusted the wrong header would run.
    const SMUGGLED = 'GET /auth/me HTTP/1.1\r\nHost: localhost\r\n\r\n';

    describe.each(TARGETS)('$name', ({ url, headers }) => {
      it.each(framings)(
        '%s: 400 in the documented shape, nothing smuggled, the connection closed',
        async (_what, framing, body) => {
          const auth = Object.entries(headers() as Record<string, string>)
            .map(([k, v]) => `${k}: ${v}\r\n`)
            .join('');
          const answer = await rawRequest(
            port,
            (socket) =>
              socket.write(
                `POST ${url} HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\n${framing}\r\n${body}${SMUGGLED}`,
              ),
            RAW,
          );
          expect(answer.statuses).toEqual([400]);
          const res = parseRaw(answer.text);
          expect(expectErrorShape(res, 400).message).toBe('Malformed HTTP request');
          expect(res.headers['x-content-type-options']).toBe('nosniff');
          expect(answer.closed).toBe(true);
        },
      );
    });

    it('a well-formed chunked body is fine, and a request pipelined after it is answered on its own', async () => {
      const auth = `Authorization: ${alice.bearer.authorization}\r\n`;
      const answer = await rawRequest(
        port,
        (socket) =>
          socket.write(
            `POST ${PROVIDERS} HTTP/1.1\r\nHost: localhost\r\n${auth}Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n` +
              `GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n`,
          ),
        RAW,
      );
      expect(answer.statuses).toEqual([200, 200]);
      expect(answer.text).toContain(aliceList);
    });
  });

  describe('duplicated cookies', () => {
    const viaCookies = (cookie: string, csrf?: string) =>
      t.inject({
        method: 'POST',
        url: PROVIDERS,
        headers: { cookie, 'content-type': 'application/json', ...(csrf ? { 'x-csrf-token': csrf } : {}) },
      });

    it('two access_token cookies: the first one counts, never a 500', async () => {
      const both = await viaCookies(
        `access_token=${alice.token}; access_token=${bob.token}; csrftoken=${alice.csrf}`,
        alice.csrf,
      );
      expect(both.statusCode).toBe(200);
      expect(both.body).toBe(aliceList);
      const swapped = await viaCookies(
        `access_token=${bob.token}; access_token=${alice.token}; csrftoken=${alice.csrf}`,
        alice.csrf,
      );
      // Bob's session with Alice's CSRF token: refused, not answered as Alice.
      expectErrorShape(swapped, 403);
      const garbageFirst = await viaCookies(
        `access_token=not-a-token; access_token=${alice.token}; csrftoken=${alice.csrf}`,
        alice.csrf,
      );
      expectErrorShape(garbageFirst, 401);
    });

    it('two csrftoken cookies: a token planted next to the real one (cookie tossing) never passes', async () => {
      // Bob is the attacker: his own valid token, planted as a cookie and echoed in the header.
      for (const cookie of [
        `access_token=${alice.token}; csrftoken=${bob.csrf}; csrftoken=${alice.csrf}`,
        `access_token=${alice.token}; csrftoken=${alice.csrf}; csrftoken=${bob.csrf}`,
      ]) {
        expectErrorShape(await viaCookies(cookie, bob.csrf), 403);
      }
      // The same real token twice is harmless.
      const same = await viaCookies(
        `access_token=${alice.token}; csrftoken=${alice.csrf}; csrftoken=${alice.csrf}`,
        alice.csrf,
      );
      expect(same.statusCode).toBe(200);
    });

    it('duplicated cookies on the login route change nothing', async () => {
      const res = await t.inject({
        method: 'POST',
        url: LOGIN,
        headers: { cookie: `access_token=${bob.token}; access_token=x; csrftoken=a; csrftoken=b` },
        payload: { username: 'alice', password: 'pw-alice' },
      });
      expect(res.statusCode).toBe(200);
      expect(Object.keys(cookiesOf(res.headers['set-cookie'])).sort()).toEqual(['access_token', 'csrftoken']);
    });
  });

  describe('a CSRF header with no cookie, and a cookie with no header', () => {
    it('on the providers route (cookie session): 403 both ways', async () => {
      const headerOnly = await t.inject({
        method: 'POST',
        url: PROVIDERS,
        headers: { cookie: `access_token=${alice.token}`, 'x-csrf-token': alice.csrf },
      });
      expect(expectErrorShape(headerOnly, 403).message).toMatch(/CSRF token missing or incorrect/);
      const cookieOnly = await t.inject({ method: 'POST', url: PROVIDERS, headers: { cookie: alice.cookies } });
      expect(expectErrorShape(cookieOnly, 403).message).toMatch(/CSRF token missing or incorrect/);
    });

    it('on the login route (no session yet, so no CSRF token applies): signs in or refuses as usual', async () => {
      const headerOnly = await t.inject({
        method: 'POST',
        url: LOGIN,
        headers: { 'x-csrf-token': alice.csrf },
        payload: { username: 'alice', password: 'pw-alice' },
      });
      expect(headerOnly.statusCode).toBe(200);
      const cookieOnly = await t.inject({
        method: 'POST',
        url: LOGIN,
        headers: { cookie: `csrftoken=${alice.csrf}` },
        payload: { username: 'alice', password: 'wrong' },
      });
      expectErrorShape(cookieOnly, 401);
    });
  });

  describe('`next` and open redirects', () => {
    // Beyond the cases of auth-login-page.e2e-spec.ts: encodings, look-alikes and parser quirks.
    const TRICKS = [
      '/%09/evil.test',
      '/%5C/evil.test',
      '/%2F/evil.test',
      '/..//evil.test',
      '/%2e%2e//evil.test',
      '/.//evil.test',
      '//evil.test%2F..',
      '//%65vil.test',
      '/\\/evil.test',
      '/\\\\evil.test',
      '\t//evil.test',
      '\\\\evil.test',
      'https://localhost@evil.test',
      'http://localhost:3000.evil.test/',
      '//localhost:3000@evil.test',
      '／／evil.test',
      '∕∕evil.test',
      '/%E3%80%82evil.test',
      'java\tscript:alert(1)',
      'JaVaScRiPt:alert(1)',
      'vbscript:msgbox(1)',
      'data:,x',
      '/\u0000/evil.test',
      `/${'a'.repeat(5000)}`,
    ];

    const named = TRICKS.map((next) => [
      next.length > 60 ? `"${next.slice(0, 10)}…" (${next.length} characters)` : JSON.stringify(next),
      next,
    ]);
    it.each(named)('next=%s stays on the site, from the form, the query string and the page', async (_name, next) => {
      const form = new URLSearchParams({ next, username: 'alice', password: 'pw-alice' }).toString();
      const post = await t.inject({
        method: 'POST',
        url: '/login/',
        headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'localhost:3000' },
        payload: form,
      });
      const fromQuery = await t.inject({
        method: 'POST',
        url: `/login/?next=${encodeURIComponent(next)}`,
        headers: { 'content-type': 'application/x-www-form-urlencoded', host: 'localhost:3000' },
        payload: new URLSearchParams({ username: 'alice', password: 'pw-alice' }).toString(),
      });
      for (const res of [post, fromQuery]) {
        expect(res.statusCode).toBe(303);
        const location = String(res.headers.location);
        // Resolved as a browser would, from the login page: still this origin.
        expect(new URL(location, 'http://localhost:3000/login/').origin).toBe('http://localhost:3000');
        expect(location).toMatch(/^\/(?![/\\])/);
      }
      const page = await t.inject({ method: 'GET', url: `/login/?next=${encodeURIComponent(next)}` });
      const offered = /name="next" value="([^"]*)"/.exec(page.body)![1];
      expect(
        new URL(
          offered.replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))),
          'http://localhost:3000/login/',
        ).origin,
      ).toBe('http://localhost:3000');
    });

    it('the redirect to the login page carries the path as `next`, encoded, even when the path is odd', async () => {
      for (const url of ['/auth/me?next=https://evil.test', '/auth/me?%0d%0aLocation:%20https://evil.test']) {
        const res = await t.inject({ method: 'GET', url, headers: { accept: 'text/html' } });
        expect(res.statusCode).toBe(302);
        expect(String(res.headers.location)).toBe(`/login/?next=${encodeURIComponent(url)}`);
        expect(res.headers['cache-control']).toBe(NEVER_CACHE);
      }
    });
  });
});
