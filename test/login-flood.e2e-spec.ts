import http from 'node:http';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { expectErrorShape } from './support/error-shape.js';
import { Factories } from './support/factories.js';
import { percentile, runLoad, send, type Outcome } from './support/http-load.js';
import { startService, tokenFor, type ServiceProcess } from './support/service-process.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { sleep } from './support/wait.js';

const PROVIDERS = '/dashboard/passthrough/api/providers/';

/**
 * A flood of wrong passwords (each for another made-up username, so that no per-username
 * throttle applies, from an address whose limit is lifted: the worst case, a botnet) must not
 * starve the providers endpoint: password checks run on libuv's threads, at most a few at a
 * time (PasswordCheckQueue), and the rest are refused at once, before the database is asked.
 * What a flood of requests costs by its sheer number is the same for any route, and is for a
 * rate limit in front of the service (SECURITY.md).
 */
describe('a flood of wrong passwords (the built service in a child process)', () => {
  let db: TestDatabase;
  let service: ServiceProcess;
  let token: string;

  beforeAll(async () => {
    db = await createTestDatabase();
    service = await startService({
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      DEMO_DATA: 'false',
      LOG_LEVEL: 'warn',
      LOGIN_MAX_FAILURES_PER_IP: '1000000',
    });
    const ds = new DataSource(dataSourceOptions({ url: db.url, poolSize: 2, statementTimeoutMs: 10_000 }));
    await ds.initialize();
    try {
      const f = new Factories(ds);
      const aliceId = await f.user({ username: 'alice' });
      const profile = await f.profile(aliceId, await f.account());
      for (let i = 0; i < 20; i++) await f.provider(profile);
    } finally {
      await ds.destroy();
    }
    token = await tokenFor(service.base, 'alice');
  }, 120_000);
  afterAll(async () => {
    await service?.kill();
    await db?.drop();
  });

  /** Latencies of `n` providers requests, one after another, on one kept-alive connection. */
  async function providersLatencies(n: number): Promise<number[]> {
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const latencies: number[] = [];
    try {
      for (let i = 0; i < n; i++) {
        const res = await send(
          service.base,
          { method: 'POST', path: PROVIDERS, headers: { authorization: `Bearer ${token}` } },
          agent,
        );
        expect(res.status).toBe(200);
        latencies.push(res.doneAt - res.sentAt);
      }
    } finally {
      agent.destroy();
    }
    return latencies;
  }

  /** Floods sign-ins for `ms`-long measurement windows; `retryAfter`: clients wait as told after a 503. */
  async function during<T>(
    flood: { concurrency: number; body: (worker: number, n: number) => string; retryAfter: boolean },
    measure: () => Promise<T>,
  ): Promise<{ result: T; outcomes: Outcome[] }> {
    let flooding = true;
    const load = runLoad({
      base: service.base,
      concurrency: flood.concurrency,
      request: (worker, n) => ({
        method: 'POST',
        path: '/auth/login',
        headers: { 'content-type': 'application/json' },
        body: flood.body(worker, n),
      }),
      keepGoing: (o) => {
        if (!flooding) return false;
        if (flood.retryAfter && o.status === 503) return sleep(1000).then(() => flooding);
        return true;
      },
    });
    await sleep(500);
    const result = await measure();
    flooding = false;
    return { result, outcomes: await load };
  }

  const wrongPassword = (worker: number, n: number) =>
    JSON.stringify({ username: `flood-${worker}-${n}`, password: 'guess' });
  const median = (xs: number[]) => percentile(xs, 50);
  const p90 = (xs: number[]) => percentile(xs, 90);
  const tally = (outcomes: Outcome[]) => {
    const counts = new Map<string, number>();
    for (const o of outcomes)
      counts.set(String(o.error ?? o.status), (counts.get(String(o.error ?? o.status)) ?? 0) + 1);
    return counts;
  };

  it('answers every providers request while the password checks are saturated, and refuses the surplus sign-ins with 503', async () => {
    await providersLatencies(30); // warm-up
    const quiet = await providersLatencies(60);
    // 48 clients: more than the checks running and waiting together, so that the queue stays
    // full; the refused ones come back after Retry-After, as a client (or a careful bot) does.
    const saturated = await during({ concurrency: 48, body: wrongPassword, retryAfter: true }, () =>
      providersLatencies(60),
    );

    const counts = tally(saturated.outcomes);
    expect([...counts.keys()].sort()).toEqual(['401', '503']);
    const refused = saturated.outcomes.find((o) => o.status === 503)!;
    expect(expectErrorShape({ statusCode: 503, headers: refused.headers!, body: refused.body! }, 503).message).toBe(
      'Too many sign-ins in progress; try again shortly',
    );
    expect(refused.headers!['retry-after']).toBe('1');
    // Every providers request answered 200 (providersLatencies checks each). How fast is a
    // figure, printed below, not an assertion: latency bounds on a shared machine fail on its
    // load, not on the code.

    console.log(
      [
        'Login flood (figures for the README):',
        `  quiet:                                providers median ${median(quiet).toFixed(1)} ms, p90 ${p90(quiet).toFixed(1)} ms`,
        `  password checks saturated (48 bots):  providers median ${median(saturated.result).toFixed(1)} ms, p90 ${p90(saturated.result).toFixed(1)} ms` +
          ` (sign-ins: ${[...counts].map(([k, n]) => `${n} × ${k}`).join(', ')})`,
      ].join('\n'),
    );
  }, 60_000);

  it('an attacker ignoring Retry-After is refused with 503, and the providers endpoint keeps answering', async () => {
    // The same number of clients sending bodies refused before any password check (400).
    const control = await during({ concurrency: 48, body: () => '{"username":', retryAfter: false }, () =>
      providersLatencies(30),
    );
    const attack = await during({ concurrency: 48, body: wrongPassword, retryAfter: false }, () =>
      providersLatencies(30),
    );
    expect([...tally(control.outcomes).keys()]).toEqual(['400']);
    expect([...tally(attack.outcomes).keys()].sort()).toEqual(['401', '503']);
    console.log(
      [
        'Request floods, 48 clients without pause (figures for the README):',
        `  malformed sign-ins (no password check): providers median ${median(control.result).toFixed(1)} ms, p90 ${p90(control.result).toFixed(1)} ms`,
        `  wrong passwords:                        providers median ${median(attack.result).toFixed(1)} ms, p90 ${p90(attack.result).toFixed(1)} ms`,
      ].join('\n'),
    );
  }, 60_000);
});
