import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { loginAs, type Session } from './support/auth.js';
import { expectErrorShape, NEVER_CACHE } from './support/error-shape.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const PROVIDERS = '/dashboard/passthrough/api/providers';

/** Printable ASCII: what a header value can hold on the wire (the parser refuses the rest, tested elsewhere). */
const headerText = fc.string({ unit: 'binary-ascii', maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));

/** Header names an attacker would try, and made-up ones. */
const headerName = fc.oneof(
  fc.constantFrom(
    'accept',
    'accept-encoding',
    'authorization',
    'cookie',
    'content-type',
    'content-length',
    'content-encoding',
    'expect',
    'host',
    'origin',
    'referer',
    'sec-fetch-site',
    'x-csrf-token',
    'x-csrftoken',
    'x-forwarded-for',
    'x-forwarded-host',
    'x-forwarded-proto',
    'x-http-method-override',
    'if-none-match',
    'range',
    'x-smarter-client',
  ),
  fc.stringMatching(/^x-[a-z0-9-]{1,20}$/),
);

const contentType = fc.oneof(
  fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/x-www-form-urlencoded',
    'text/plain',
    'text/html',
    'multipart/form-data; boundary=x',
    'application/octet-stream',
    'application/json, text/plain',
    '*/*',
    '',
  ),
  headerText,
);

const body = fc.oneof(
  fc.constant(undefined),
  fc.json({ maxDepth: 4 }),
  fc.string({ maxLength: 200 }),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
  fc.constantFrom('{', '[', '"', 'null', '{"__proto__":{"x":1}}', '{"providers":[{"id":1}]}'),
);

type Credentials = 'none' | 'bearer' | 'cookie and CSRF header' | 'cookie without CSRF header' | 'garbage bearer';

/**
 * Random methods, headers and bodies at the providers endpoint, signed in and anonymous. Whatever
 * arrives, the answer is a 2xx (the list), a 3xx (to the login page) or a 4xx in the documented
 * shape, never cached; never a 5xx (the database is up: not even a 503).
 */
describe('fuzzing the providers endpoint (fast-check)', () => {
  let t: TestApp;
  let alice: Session;
  let list: string;

  beforeAll(async () => {
    t = await startTestApp();
    const f = new Factories(t.app.get(DataSource));
    const aliceId = await f.user({ username: 'alice' });
    await f.provider(await f.profile(aliceId, await f.account()), { name: 'fuzz-target' });
    alice = await loginAs(t, 'alice');
    list = (await t.inject({ method: 'POST', url: `${PROVIDERS}/`, headers: alice.bearer })).body;
  });
  afterAll(async () => {
    await t?.close();
  });

  function credentials(kind: Credentials): Record<string, string> {
    switch (kind) {
      case 'none':
        return {};
      case 'bearer':
        return alice.bearer;
      case 'cookie and CSRF header':
        return alice.browser;
      case 'cookie without CSRF header':
        return { cookie: alice.cookies };
      case 'garbage bearer':
        return { authorization: 'Bearer a.b.c' };
    }
  }

  it('answers 2xx, 3xx or a documented 4xx, never cached, to 200 random requests', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'POST', 'POST'),
          slash: fc.boolean(),
          query: fc.option(fc.string({ unit: 'binary-ascii', maxLength: 40 }).map(encodeURIComponent), {
            nil: undefined,
          }),
          auth: fc.constantFrom<Credentials>(
            'none',
            'bearer',
            'cookie and CSRF header',
            'cookie without CSRF header',
            'garbage bearer',
          ),
          type: fc.option(contentType, { nil: undefined }),
          headers: fc.array(fc.tuple(headerName, headerText), { maxLength: 6 }),
          body,
        }),
        async ({ method, slash, query, auth, type, headers, body: payload }) => {
          const sent: Record<string, string> = {};
          for (const [name, value] of headers) {
            // The random credential headers replace the chosen ones; a lying Content-Length is
            // what the raw-socket tests are for (an in-process request cannot send one).
            if (name !== 'content-length') sent[name] = value;
          }
          Object.assign(sent, credentials(auth));
          if (type !== undefined) sent['content-type'] = type;
          const res = await t.inject({
            method: method as 'GET',
            url: `${PROVIDERS}${slash ? '/' : ''}${query ? `?q=${query}` : ''}`,
            headers: sent,
            ...(payload === undefined || method === 'GET' || method === 'HEAD' ? {} : { payload }),
          });
          expect(res.statusCode).toBeGreaterThanOrEqual(200);
          expect(res.statusCode).toBeLessThan(500);
          expect(res.headers['cache-control']).toBe(NEVER_CACHE);
          if (res.statusCode >= 400 && method !== 'HEAD') expectErrorShape(res);
          if (res.statusCode >= 300 && res.statusCode < 400)
            expect(String(res.headers.location)).toMatch(/^\/login\/\?next=/);
          if (res.statusCode === 200 && method === 'POST') expect(res.body).toBe(list);
        },
      ),
      { numRuns: 200 },
    );
  });
});
