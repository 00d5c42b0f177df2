import { DataSource } from 'typeorm';
import { ProvidersCache } from '../src/providers/providers-cache.js';
import { readDemoWorld } from '../src/world/demo-world.service.js';
import { WorldImportService } from '../src/world/world-import.service.js';
import { loginAs, type Session } from './support/auth.js';
import { NEVER_CACHE } from './support/error-shape.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait.js';

const URL = '/dashboard/passthrough/api/providers/';
const PLATFORM = ['OpenAI', 'Anthropic', 'Google AI', 'Mistral', 'Cohere', 'Meta AI', 'Together AI', 'Fireworks'];
const ACME = ['openai-prod', 'llama-lab', 'anthropic-research', 'Local echo', 'groq-trial'];
const GLOBEX = ['azure-openai', 'mistral-eu'];

type Mini = { id: number; name: string; base_url: string | null };

describe.each(['off', 'on'])('POST /dashboard/passthrough/api/providers/ (demo world, cache %s)', (cache) => {
  let t: TestApp;
  let idOf: Map<string, number>;
  const sessions: Record<string, Session> = {};
  const list = (s: Session, extra: Record<string, unknown> = {}) =>
    t.inject({ method: 'POST', url: URL, headers: { ...s.bearer, 'content-type': 'application/json' }, ...extra });
  const idsFor = (...groups: string[][]) =>
    groups
      .flat()
      .map((n) => idOf.get(n)!)
      .sort((a, b) => a - b);

  beforeAll(async () => {
    t = await startTestApp({ PROVIDERS_CACHE: cache });
    await t.app.get(WorldImportService).importWorld(await readDemoWorld());
    const rows: { id: number; name: string }[] = await t.app.get(DataSource).query('SELECT id, name FROM providers');
    idOf = new Map(rows.map((r) => [r.name, r.id]));
    for (const u of ['admin', 'staff', 'alice', 'bob', 'carol', 'dave']) sessions[u] = await loginAs(t, u);
  });

  it(`runs with the cache ${cache}, and a LISTEN connection only for it`, async () => {
    expect(t.app.get(ProvidersCache).enabled).toBe(cache === 'on');
    const [{ n }]: { n: number }[] = await t.app.get(DataSource).query(
      `SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'providers-service-listen'`,
    );
    expect(n).toBe(cache === 'on' ? 1 : 0);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers exactly { providers: [{ id, name, base_url }] }, ordered by id', async () => {
    const res = await list(sessions.alice);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['providers']);
    for (const p of body.providers) {
      expect(Object.keys(p)).toEqual(['id', 'name', 'base_url']);
      expect(Number.isInteger(p.id)).toBe(true);
      expect(p.base_url === null || typeof p.base_url === 'string').toBe(true);
    }
    const ids = body.providers.map((p: Mini) => p.id);
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(body.providers).toContainEqual({ id: idOf.get('llama-lab'), name: 'llama-lab', base_url: null });
  });

  it.each([
    ['admin', 'a superuser reads every provider', [PLATFORM, ACME, GLOBEX]],
    ['staff', 'staff with only a platform profile reads the platform providers', [PLATFORM]],
    ['alice', 'a user reads the platform providers and those of her account', [PLATFORM, ACME]],
    ['bob', 'another account sees its own, not Acme’s', [PLATFORM, GLOBEX]],
    ['carol', 'a user in two accounts reads both, each platform provider once', [PLATFORM, ACME, GLOBEX]],
    ['dave', 'a user with no profile reads nothing', []],
  ])('%s: %s', async (user, _why, groups) => {
    const res = await list(sessions[user]);
    expect(res.statusCode).toBe(200);
    expect(res.json().providers.map((p: Mini) => p.id)).toEqual(idsFor(...(groups as string[][])));
  });

  it('an empty list is { "providers": [] }', async () => {
    const res = await list(sessions.dave);
    expect(res.body).toBe('{"providers":[]}');
  });

  it('a superuser with no profile at all still reads every provider', async () => {
    await new Factories(t.app.get(DataSource)).user({ username: 'lonely-root', isSuperuser: true });
    const res = await list(await loginAs(t, 'lonely-root'));
    expect(res.json().providers.map((p: Mini) => p.id)).toEqual(idsFor(PLATFORM, ACME, GLOBEX));
  });

  it('an inactive user cannot sign in, and a token of a user deactivated since reads nothing', async () => {
    const failed = await t.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: 'erin', password: 'pw-erin' },
    });
    expect(failed.statusCode).toBe(401);
    const db = t.app.get(DataSource);
    const ivan = await new Factories(db).user({ username: 'ivan' });
    const session = await loginAs(t, 'ivan');
    expect((await list(session)).statusCode).toBe(200);
    await db.query('UPDATE users SET is_active = false WHERE id = $1', [ivan]);
    // With the cache on, the user check is answered from memory until the database's
    // notification of the change arrives: milliseconds, so allow it a second. Without the
    // cache, the first answer must already be the refusal.
    const { value: res } = await waitFor(
      () => list(session),
      (r) => cache === 'off' || r.statusCode !== 200,
      {
        timeoutMs: 1000,
        intervalMs: 10,
        what: 'the deactivation seen',
      },
    );
    expect(res.statusCode).toBe(401);
    expect(res.body).not.toContain('providers');
  });

  describe('the request body is ignored', () => {
    it.each([
      ['no body at all, as the dashboard app sends', undefined, 'application/json'],
      ['{}', '{}', 'application/json'],
      ['other JSON', '[1, {"x": "y"}]', 'application/json'],
      ['malformed JSON', '{"providers": ', 'application/json'],
      ['a form', 'a=1&b=2', 'application/x-www-form-urlencoded'],
      ['text', 'hello', 'text/plain'],
    ])('%s → 200 with the same answer', async (_what, payload, type) => {
      const expected = (await list(sessions.alice)).body;
      const res = await t.inject({
        method: 'POST',
        url: URL,
        headers: { ...sessions.alice.bearer, 'content-type': type },
        ...(payload === undefined ? {} : { payload }),
      });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe(expected);
    });

    it('a body over 64 KiB is 413, signed in or not', async () => {
      const payload = JSON.stringify({ pad: 'x'.repeat(70 * 1024) });
      for (const headers of [sessions.alice.bearer, {}]) {
        const res = await t.inject({
          method: 'POST',
          url: URL,
          headers: { ...headers, 'content-type': 'application/json' },
          payload,
        });
        expect(res.statusCode).toBe(413);
        expect(res.headers['cache-control']).toBe(NEVER_CACHE);
      }
    });
  });

  it('answers with and without the trailing slash', async () => {
    const a = await list(sessions.bob);
    const b = await list(sessions.bob, { url: URL.slice(0, -1) });
    expect(b.statusCode).toBe(200);
    expect(b.body).toBe(a.body);
  });

  describe('cookie authentication (the dashboard app)', () => {
    const viaCookie = (headers: Record<string, string>) =>
      t.inject({ method: 'POST', url: URL, headers: { 'content-type': 'application/json', ...headers } });

    it.each(['x-csrf-token', 'x-csrftoken'])('works with the CSRF token in %s', async (header) => {
      const s = sessions.alice;
      const res = await viaCookie({ cookie: s.cookies, [header]: s.csrf });
      expect(res.statusCode).toBe(200);
      expect(res.body).toBe((await list(s)).body);
    });

    it('is refused without the CSRF header, or with another session’s token', async () => {
      const missing = await viaCookie({ cookie: sessions.alice.cookies });
      expect(missing.statusCode).toBe(403);
      expect(missing.json()).toMatchObject({ statusCode: 403, error: 'Forbidden' });
      expect(missing.headers['cache-control']).toBe(NEVER_CACHE);
      const foreign = await viaCookie({ cookie: sessions.alice.cookies, 'x-csrf-token': sessions.bob.csrf });
      expect(foreign.statusCode).toBe(403);
    });
  });

  describe('anonymous callers', () => {
    it('a browser navigation is redirected to the login page, never cached', async () => {
      const res = await t.inject({
        method: 'POST',
        url: URL,
        headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' },
      });
      expect(res.statusCode).toBe(302);
      expect(res.headers.location).toBe(`/login/?next=${encodeURIComponent(URL)}`);
      expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    });

    it('an API client gets 401 JSON with WWW-Authenticate, never cached', async () => {
      const res = await t.inject({
        method: 'POST',
        url: URL,
        headers: { accept: 'application/json', 'content-type': 'application/json' },
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ statusCode: 401, error: 'Unauthorized' });
      expect(res.headers['www-authenticate']).toMatch(/^Bearer realm="providers"/);
      expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    });

    it('malformed JSON from an anonymous caller is a 401, not a parse error', async () => {
      const res = await t.inject({
        method: 'POST',
        url: URL,
        headers: { 'content-type': 'application/json' },
        payload: '{oops',
      });
      expect(res.statusCode).toBe(401);
    });
  });

  describe('other methods', () => {
    it.each(['GET', 'PUT', 'PATCH', 'DELETE'] as const)('%s signed in → 405 with Allow: POST', async (method) => {
      const res = await t.inject({ method, url: URL, headers: sessions.alice.bearer });
      expect(res.statusCode).toBe(405);
      expect(res.headers.allow).toBe('POST');
      expect(res.json()).toMatchObject({ statusCode: 405, error: 'Method Not Allowed' });
      expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    });

    it.each(['GET', 'DELETE'] as const)('%s anonymous → 401 (authentication first), no Allow', async (method) => {
      const res = await t.inject({ method, url: URL });
      expect(res.statusCode).toBe(401);
      expect(res.headers.allow).toBeUndefined();
    });
  });

  it('every answer carries the never-cache headers, Expires no later than now and Vary on credentials', async () => {
    const answers = await Promise.all([
      list(sessions.alice),
      t.inject({ method: 'POST', url: URL, headers: { accept: 'text/html' } }),
      t.inject({ method: 'POST', url: URL }),
      t.inject({ method: 'POST', url: URL, headers: { cookie: sessions.alice.cookies } }),
      t.inject({ method: 'GET', url: URL, headers: sessions.alice.bearer }),
    ]);
    expect(answers.map((r) => r.statusCode)).toEqual([200, 302, 401, 403, 405]);
    for (const res of answers) {
      expect(res.headers['cache-control']).toBe(NEVER_CACHE);
      expect(Date.parse(String(res.headers.expires))).toBeLessThanOrEqual(Date.now());
      const vary = String(res.headers.vary)
        .split(',')
        .map((s) => s.trim().toLowerCase());
      expect(vary).toEqual(expect.arrayContaining(['authorization', 'cookie']));
      expect(vary).not.toContain('*');
    }
  });
});
