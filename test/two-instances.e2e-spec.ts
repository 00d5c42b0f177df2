import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { VERIFICATION_QUEUE } from '../src/providers/verification/verification.service.js';
import { SecretsService } from '../src/secrets/secrets.service.js';
import { Factories } from './support/factories.js';
import { runLoad } from './support/http-load.js';
import { startService, tokenFor, type ServiceProcess } from './support/service-process.js';
import { startStubUpstream, type StubUpstream } from './support/stub-upstream.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { sleep, waitFor } from './support/wait.js';

const PROVIDERS = '/dashboard/passthrough/api/providers/';
const PER_USER = 3;
const UPSTREAM_KEY = 'sk-two-instances-key-0042';

/**
 * Two production builds on one PostgreSQL database, as behind a load balancer, with the
 * caches on: what one instance changes or signs out, the other knows within a second, and
 * the sign-in limits are one limit for both, and a queued job runs on one of them only.
 */
describe('two instances on one database (the built service, twice)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let a: ServiceProcess;
  let b: ServiceProcess;
  let providerId: number;
  let aliceProfile: number;
  let secrets: SecretsService;
  /** Answers a verification's connectivity call (`/p<id>/models`) when it brings the key. */
  let upstream: StubUpstream;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(dataSourceOptions({ url: db.url, poolSize: 2, statementTimeoutMs: 10_000 }));
    await ds.initialize();
    const f = new Factories(ds);
    const alice = await f.user({ username: 'alice' });
    await f.user({ username: 'bob' });
    aliceProfile = await f.profile(alice, await f.account());
    providerId = await f.provider(aliceProfile, { name: 'before' });
    upstream = await startStubUpstream((req, res) => {
      const ok = /^\/p\d+\/models$/.test(req.url ?? '') && req.headers.authorization === `Bearer ${UPSTREAM_KEY}`;
      res.writeHead(ok ? 200 : 401).end('{}');
    });
    const secretsKey = randomBytes(32).toString('base64');
    secrets = new SecretsService({ key: secretsKey, production: false, dataDir: '/nonexistent' });
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
      SECRETS_KEY: secretsKey,
      EGRESS_ALLOW_HOSTS: `127.0.0.1:${upstream.port}`,
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
    await upstream?.close();
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

  it('each verification job runs once, whichever instance queued it and both polling', async () => {
    const f = new Factories(ds);
    const ids: number[] = [];
    for (let i = 0; i < 6; i++) {
      const id = await f.provider(aliceProfile, { baseUrl: `${upstream.origin}/p${i}` });
      ids.push(id);
      // The connectivity check alone calls out (`/p<i>/models`); the optional URLs are unset.
      await ds.query(
        `UPDATE providers SET connectivity_test_path = 'models', api_key_ciphertext = $2, api_key_last4 = $3,
                tos_accepted_at = now() WHERE id = $1`,
        [id, secrets.encrypt(UPSTREAM_KEY), UPSTREAM_KEY.slice(-4)],
      );
    }
    const token = await tokenFor(a.base, 'alice');
    const statuses = await Promise.all(
      ids.map((id, i) =>
        fetch(`${(i % 2 ? b : a).base}/api/v1/providers/${id}/verify`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}` },
        }).then((r) => r.status),
      ),
    );
    expect(statuses).toEqual(ids.map(() => 202));
    // Finished: the outcome is written inside the job, which pg-boss marks done just after.
    type Job = { id: string; state: string; retry_count: number };
    const { value: jobs } = await waitFor(
      (): Promise<Job[]> =>
        ds.query(`SELECT data->>'providerId' AS id, state, retry_count FROM pgboss.job WHERE name = $1`, [
          VERIFICATION_QUEUE,
        ]),
      (rows) => rows.length === ids.length && rows.every((j) => ['completed', 'failed'].includes(j.state)),
      { timeoutMs: 20_000, intervalMs: 100, what: 'every verification job finished' },
    );
    // Each job done in one attempt, never retried nor taken again by the other instance.
    expect(jobs.map((j) => Number(j.id)).sort((x, y) => x - y)).toEqual(ids);
    expect(jobs.filter((j) => j.state !== 'completed' || j.retry_count)).toEqual([]);
    // Each provider's checks reached the upstream once, and its outcome was recorded once.
    ids.forEach((_id, i) => expect(upstream.received.filter((r) => r.path === `/p${i}/models`)).toHaveLength(1));
    const outcomes = await ds.query(
      `SELECT provider_id, count(*)::int AS n, min(new_value) AS status FROM provider_history
        WHERE provider_id = ANY($1) AND action = 'verification' AND field = 'status' AND new_value <> 'verifying'
        GROUP BY provider_id ORDER BY provider_id`,
      [ids],
    );
    expect(outcomes).toEqual(ids.map((id) => ({ provider_id: id, n: 1, status: 'verified' })));
  }, 30_000);

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
