import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { Factories } from './support/factories.js';
import { runLoad } from './support/http-load.js';
import { startService, tokenFor, type ServiceProcess } from './support/service-process.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { sleep, waitFor } from './support/wait.js';

const PROVIDERS = '/dashboard/passthrough/api/providers/';
const PER_USER = 3;

/**
 * Two production builds on one PostgreSQL database, as behind a load balancer, with the
 * caches on: what one instance changes or signs out, the other knows within a second, and
 * the sign-in limits are one limit for both.
 */
describe('two instances on one database (the built service, twice)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let providerId: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(dataSourceOptions({ url: db.url, poolSize: 2, statementTimeoutMs: 10_000 }));
    await ds.initialize();
    const f = new Factories(ds);
    const alice = await f.user({ username: 'alice' });
    await f.user({ username: 'bob' });
    providerId = await f.provider(await f.profile(alice, await f.account()), { name: 'before' });
    const env = {
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      COOKIE_SECURE: 'false',
      ALLOW_INSECURE_COOKIES: 'true',
      DEMO_DATA: 'false',
      PROVIDERS_CACHE: 'on',
      LOGIN_MAX_FAILURES_PER_USER: String(PER_USER),
      LOG_LEVEL: 'warn',
      // What every instance must share (docs/operations.md): a token from one is valid on all.
      JWT_SECRET: randomBytes(48).toString('base64url'),
      SECRETS_KEY: randomBytes(32).toString('base64'),
    };
    // One after the other: the first applies any pending migration.
    a = await startService(env);
    b = await startService(env);
  }, 180_000);
  afterAll(async () => {
    await a?.kill();
    await b?.kill();
    await ds?.destroy();
    await db?.drop();
  });

  const list = (service: ServiceProcess, token: string) =>
    fetch(`${service.base}${PROVIDERS}`, { method: 'POST', headers: { authorization: `Bearer ${token}` } }).then(
      async (r) => ({
        status: r.status,
        names: ((await r.json()) as { providers: { name: string }[] }).providers.map((p) => p.name),
      }),
    );
  const me = (service: ServiceProcess, token: string) =>
    fetch(`${service.base}/auth/me`, { headers: { authorization: `Bearer ${token}` } }).then((r) => r.status);

  it("a provider change is in B's next list within 1 s, with the cache on", async () => {
    const token = await tokenFor(a.base, 'alice');
    await expect(list(b, token)).resolves.toEqual({ status: 200, names: ['before'] });
    await expect(list(b, token)).resolves.toEqual({ status: 200, names: ['before'] }); // now from B's cache
    await ds.query(`UPDATE providers SET name = 'after' WHERE id = $1`, [providerId]);
    const { ms } = await waitFor(
      () => list(b, token),
      (r) => r.names[0] === 'after',
      { timeoutMs: 1000, intervalMs: 10, what: "the renamed provider in B's list" },
    );
    expect(ms).toBeLessThan(1000);
  });

  it('failed sign-ins spread over A and B are throttled at the shared limit, not twice it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < PER_USER * 2; i++) {
      const res = await fetch(`${(i % 2 ? b : a).base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: 'bob', password: 'wrong' }),
      });
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...Array(PER_USER).fill(401), ...Array(PER_USER).fill(429)]);
  });

  it('a logout on A refuses the token on B within 1 s', async () => {
    const token = await tokenFor(a.base, 'alice');
    await expect(me(b, token)).resolves.toBe(200);
    await expect(me(b, token)).resolves.toBe(200); // cached on B
    const out = await fetch(`${a.base}/auth/logout`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    expect(out.status).toBe(204);
    const { ms } = await waitFor(
      () => me(b, token),
      (status) => status === 401,
      { timeoutMs: 1000, intervalMs: 10, what: 'the signed-out token refused on B' },
    );
    expect(ms).toBeLessThan(1000);
  });

  it('stopping A while B serves loses no request that B receives', async () => {
    const token = await tokenFor(b.base, 'alice');
    let stop = false;
    const load = runLoad({
      base: b.base,
      concurrency: 4,
      request: () => ({ method: 'POST', path: PROVIDERS, headers: { authorization: `Bearer ${token}` } }),
      keepGoing: () => !stop,
    });
    await sleep(500);
    a.child.kill('SIGTERM');
    await expect(a.exited).resolves.toBe(0);
    await sleep(500);
    stop = true;
    const outcomes = await load;
    expect(outcomes.length).toBeGreaterThan(20);
    expect(outcomes.filter((o) => o.error || o.status !== 200)).toEqual([]);
  }, 30_000);
});
