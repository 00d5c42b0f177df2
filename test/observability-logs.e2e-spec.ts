import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { Factories } from './support/factories.js';
import { startService, type ServiceProcess } from './support/service-process.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { sleep } from './support/wait.js';

const PROVIDERS = '/dashboard/passthrough/api/providers/';

/** What a production build writes: JSON lines with request ids, and never a secret it was handed. */
describe('logs of the built service in production', () => {
  let db: TestDatabase;
  let service: ServiceProcess;
  const password = 'a-password-only-this-run-knows-9f3e1';
  const wrongPassword = 'a-wrong-guess-that-must-not-be-logged-77a1';
  const secrets: string[] = [password, wrongPassword];

  beforeAll(async () => {
    db = await createTestDatabase();
    const ds = new DataSource(dataSourceOptions({ url: db.url, poolSize: 2, statementTimeoutMs: 10_000 }));
    await ds.initialize();
    try {
      const f = new Factories(ds);
      const alice = await f.user({ username: 'alice', password });
      await f.provider(await f.profile(alice, await f.account()));
    } finally {
      await ds.destroy();
    }
    service = await startService({
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      COOKIE_SECURE: 'false',
      ALLOW_INSECURE_COOKIES: 'true',
      DEMO_DATA: 'false',
      LOG_LEVEL: 'log',
    });
  }, 120_000);
  afterAll(async () => {
    await service?.kill();
    await db?.drop();
  });

  const lines = () =>
    service
      .output()
      .split('\n')
      .filter((line) => line.trim() !== '');
  const records = () => lines().map((line) => JSON.parse(line) as Record<string, unknown>);

  it('signs in, uses the token and the cookies, then finds none of their secrets in its log', async () => {
    const wrong = await fetch(`${service.base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: wrongPassword }),
    });
    expect(wrong.status).toBe(401);
    const login = await fetch(`${service.base}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password }),
    });
    expect(login.status).toBe(200);
    const { access_token: token } = (await login.json()) as { access_token: string };
    const cookies = login.headers.getSetCookie().map((c) => c.split(';')[0]);
    secrets.push(token, ...cookies.map((c) => c.slice(c.indexOf('=') + 1)));

    const bearer = await fetch(`${service.base}${PROVIDERS}?secret=${encodeURIComponent(password)}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(bearer.status).toBe(200);
    const csrf = cookies.find((c) => c.startsWith('csrftoken='))!.slice('csrftoken='.length);
    const cookie = await fetch(`${service.base}/auth/me`, {
      headers: { cookie: cookies.join('; '), 'x-csrftoken': csrf },
    });
    expect(cookie.status).toBe(200);
    const refused = await fetch(`${service.base}/auth/me`, { headers: { authorization: `Bearer ${token}x` } });
    expect(refused.status).toBe(401);
    await sleep(200);

    const log = service.output();
    expect(log).toMatch(/"route":"\/auth\/login"/); // the access log did see these requests
    for (const secret of secrets) expect(log).not.toContain(secret);
  });

  it('writes one JSON object per line: time, level, message, context', () => {
    const all = records();
    expect(all.length).toBeGreaterThan(0);
    for (const record of all) {
      expect(typeof record.time).toBe('string');
      expect(Number.isNaN(Date.parse(record.time as string))).toBe(false);
      expect(['fatal', 'error', 'warn', 'log', 'debug', 'verbose']).toContain(record.level);
      expect(typeof record.message).toBe('string');
    }
  });

  it("keeps Nest's start-up lines (modules, routes) for debug", () => {
    const contexts = records().map((r) => r.context);
    for (const noisy of ['InstanceLoader', 'RoutesResolver', 'RouterExplorer']) expect(contexts).not.toContain(noisy);
  });

  it('one access line per request: method, route pattern, status, duration, user id, request id', async () => {
    const res = await fetch(`${service.base}/auth/me?x=1`, { headers: { 'x-request-id': 'trace-me.1:A_b-2' } });
    expect(res.status).toBe(401);
    expect(res.headers.get('x-request-id')).toBe('trace-me.1:A_b-2');
    await sleep(200);
    const access = records().filter((r) => r.context === 'Access' && r.request_id === 'trace-me.1:A_b-2');
    expect(access).toHaveLength(1);
    expect(access[0]).toMatchObject({ method: 'GET', route: '/auth/me', status: 401, user_id: null });
    expect(typeof access[0].duration_ms).toBe('number');

    const signedIn = records().filter((r) => r.context === 'Access' && r.route === PROVIDERS.replace(/\/$/, ''));
    expect(signedIn.map((r) => typeof r.user_id)).toContain('number');
  });

  it("takes the Smarter dashboard's request id, and replaces an unsafe one with a fresh id", async () => {
    const smarter = await fetch(`${service.base}/healthz`, { headers: { 'x-smarter-requestid': 'smarter-42' } });
    expect(smarter.headers.get('x-request-id')).toBe('smarter-42');
    for (const unsafe of ['has space', 'x'.repeat(129), 'line\\nbreak', '"quoted"']) {
      const res = await fetch(`${service.base}/healthz`, { headers: { 'x-request-id': unsafe } });
      const id = res.headers.get('x-request-id')!;
      expect(id).not.toBe(unsafe);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});
