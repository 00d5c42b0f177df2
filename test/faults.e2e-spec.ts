import http from 'node:http';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { readScope, type ReadSubject } from '../src/permissions/access-scopes.js';
import { miniListQuery, type ProviderMiniRow } from '../src/providers/providers.repository.js';
import { generateWorld } from '../src/world/world-generator.js';
import { WorldImportRepository } from '../src/world/world-import.repository.js';
import { WorldImportService } from '../src/world/world-import.service.js';
import { percentile, runLoad, send, type RequestSpec } from './support/http-load.js';
import { compileService } from './support/compiled.js';
import { NEVER_CACHE } from './support/error-shape.js';
import { startService, tokenFor, type ServiceProcess } from './support/service-process.js';
import { createDatabase, startThrowawayPostgres, type ThrowawayPostgres } from './support/throwaway-postgres.js';
import { sleep, waitFor } from './support/wait.js';

/**
 * Faults of the database and of the process, on a PostgreSQL cluster of the test's own (so that
 * it can be stopped) and the built service in a child process, under a bounded loopback load.
 * `npm run chaos:db` runs this file alone; its figures are printed.
 */

const PROVIDERS = '/dashboard/passthrough/api/providers/';
const UNAVAILABLE = { statusCode: 503, error: 'Service Unavailable', message: 'database unavailable' };
const STATEMENT_TIMEOUT_MS = 2000;
const REQUEST_TIMEOUT_MS = 5000;
const OUTAGE_MS = 10_000;

const count = (text: string, pattern: RegExp) => (text.match(new RegExp(pattern, 'g')) ?? []).length;

/** What a user may read, by the service's own list query, on a connection that lives only for the question. */
async function truthFor(url: string, user: ReadSubject): Promise<ProviderMiniRow[]> {
  const { sql: text, params } = miniListQuery(readScope(user));
  return (await sql(url, text, [...params])).rows;
}

async function sql(url: string, text: string, params: unknown[] = []): Promise<pg.QueryResult> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await client.query(text, params);
  } finally {
    await client.end();
  }
}

/** Lines of the service's log that would give away an internal error or per-request noise. */
function unexpectedLogLines(output: string): string[] {
  return output
    .split('\n')
    .filter((line) => /\bERROR\b|^\s+at |Query failed|pool raised an error|Internal server error/.test(line));
}

describe('database and process faults (a throwaway PostgreSQL cluster, the built service)', () => {
  let cluster: ThrowawayPostgres;
  let url: string;
  /** The users the load signs in as, with what the rule needs to know about them. */
  let users: { username: string; subject: ReadSubject }[];
  const services: ServiceProcess[] = [];

  beforeAll(async () => {
    // Compiled here rather than inside the first test's time budget.
    await compileService();
    cluster = await startThrowawayPostgres();
    url = await createDatabase(cluster, 'providers_faults_test');
    const ds = new DataSource(dataSourceOptions({ url, poolSize: 2, statementTimeoutMs: 60_000 }));
    await ds.initialize();
    try {
      await ds.runMigrations();
      const world = generateWorld({ seed: 7, accounts: 4, users: 8, providers: 60, platformProviders: 4 });
      await new WorldImportService(new WorldImportRepository(ds)).importWorld(world);
      const rows: { id: number; username: string; is_superuser: boolean }[] = await ds.query(
        `SELECT u.id, u.username, u.is_superuser FROM users u
          WHERE u.is_active AND EXISTS (SELECT 1 FROM user_profiles p WHERE p.user_id = u.id) ORDER BY u.id`,
      );
      // The superuser and two ordinary users: the cache keys and the rule differ for each.
      const chosen = [rows.find((r) => r.is_superuser)!, ...rows.filter((r) => !r.is_superuser).slice(0, 2)];
      users = chosen.map((r) => ({
        username: r.username,
        subject: { id: r.id, isSuperuser: r.is_superuser, isActive: true },
      }));
    } finally {
      await ds.destroy();
    }
  }, 120_000);

  afterAll(async () => {
    for (const service of services) await service.kill();
    await cluster?.destroy();
  });

  const production = () => ({
    NODE_ENV: 'production',
    DATABASE_URL: url,
    // Plain HTTP on loopback: bearer tokens, no cookies involved.
    COOKIE_SECURE: 'false',
    ALLOW_INSECURE_COOKIES: 'true',
    LOG_LEVEL: 'log',
  });

  it('survives a 10 s outage under load: fast 503s, readyz 503, healthz 200, recovery without a restart, nothing stale, logged once', async () => {
    const service = await startService({
      ...production(),
      PROVIDERS_CACHE: 'on',
      DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
    });
    services.push(service);
    const tokens = new Map<string, string>();
    for (const u of users) tokens.set(u.username, await tokenFor(service.base, u.username));
    const before = new Map<string, ProviderMiniRow[]>();
    for (const u of users) before.set(u.username, await truthFor(url, u.subject));

    let stopAt = Infinity;
    const load = runLoad({
      base: service.base,
      concurrency: 6,
      request: (worker, n): RequestSpec => {
        const user = users[(worker + n) % users.length].username;
        return {
          method: 'POST',
          path: PROVIDERS,
          headers: { authorization: `Bearer ${tokens.get(user)}` },
          label: user,
        };
      },
      keepGoing: () => performance.now() < stopAt,
    });

    await sleep(1500);
    const stopping = performance.now();
    await cluster.stop();
    const stopped = performance.now();

    // While it is down: readiness says so, liveness does not.
    const probes: { path: string; status: number; body: string; cacheControl: string | null }[] = [];
    while (performance.now() < stopped + OUTAGE_MS) {
      for (const path of ['/readyz', '/healthz']) {
        const res = await fetch(`${service.base}${path}`);
        probes.push({
          path,
          status: res.status,
          body: await res.text(),
          cacheControl: res.headers.get('cache-control'),
        });
      }
      await sleep(250);
    }

    const starting = performance.now();
    const started = cluster.start();
    let accepting = Infinity;
    for (;;) {
      const ok = await sql(cluster.url(), 'SELECT 1').then(
        () => true,
        () => false,
      );
      if (ok) {
        accepting = performance.now();
        break;
      }
      await sleep(20);
    }
    await started;
    // A change made while the change listener is still reconnecting (its notification is lost):
    // nothing served afterwards may miss it.
    const ordinary = users[1];
    const renamed = before.get(ordinary.username)![0];
    // The commit is visible before sql() returns (it still closes its connection), so the
    // window in which either answer is right opens when the UPDATE is sent.
    const changing = performance.now();
    await sql(url, `UPDATE providers SET name = name || ' (renamed after the outage)' WHERE id = $1`, [renamed.id]);
    const changed = performance.now();
    const after = new Map<string, ProviderMiniRow[]>();
    for (const u of users) after.set(u.username, await truthFor(url, u.subject));
    expect(after.get(ordinary.username)).not.toEqual(before.get(ordinary.username));

    // The listener comes back after its back-off (at most 5 s); then some more load on the cache.
    await waitFor(service.output, (log) => /Change listener reconnected/.test(log), {
      timeoutMs: 15_000,
      intervalMs: 50,
      what: 'the change listener back',
      details: (log) => log,
    });
    await sleep(1000);
    stopAt = performance.now();
    const outcomes = await load;

    // Every request was answered (no socket errors), 200 or 503, and within the request timeout.
    expect(outcomes.filter((o) => o.error)).toEqual([]);
    expect([...new Set(outcomes.map((o) => o.status))].sort()).toEqual([200, 503]);
    const slowest = Math.max(...outcomes.map((o) => o.doneAt - o.sentAt));
    expect(slowest).toBeLessThan(REQUEST_TIMEOUT_MS);

    // During the outage: the documented 503, never cached, no trace of the failure, and fast.
    const refused = outcomes.filter((o) => o.status === 503);
    for (const o of refused) {
      expect(JSON.parse(o.body!)).toEqual(UNAVAILABLE);
      expect(o.headers!['content-type']).toBe('application/json; charset=utf-8');
      expect(o.headers!['cache-control']).toBe(NEVER_CACHE);
    }
    const duringOutage = outcomes.filter((o) => o.sentAt > stopped && o.doneAt < starting);
    expect(duringOutage.length).toBeGreaterThan(100);
    expect(duringOutage.every((o) => o.status === 503)).toBe(true);
    const refusedLatency = refused.map((o) => o.doneAt - o.sentAt);
    expect(Math.max(...refusedLatency)).toBeLessThan(STATEMENT_TIMEOUT_MS);

    const readyz = probes.filter((p) => p.path === '/readyz');
    const healthz = probes.filter((p) => p.path === '/healthz');
    expect(readyz.length).toBeGreaterThan(10);
    for (const p of readyz) {
      expect(p.status).toBe(503);
      expect(JSON.parse(p.body)).toEqual(UNAVAILABLE);
      expect(p.cacheControl).toBe(NEVER_CACHE);
    }
    expect(healthz.every((p) => p.status === 200)).toBe(true);

    // Recovery without a restart: the first 200 after PostgreSQL accepts connections again.
    const firstOk = outcomes
      .filter((o) => o.status === 200 && o.doneAt > accepting)
      .sort((a, b) => a.doneAt - b.doneAt)[0];
    expect(firstOk).toBeDefined();
    const recoveryMs = firstOk.doneAt - accepting;
    expect(recoveryMs).toBeLessThan(5000);
    expect(service.child.exitCode).toBeNull();

    // Nothing wrong at any time, nothing stale once the change could have been seen (the
    // cache's own delay for a notification is well under 1 s).
    for (const o of outcomes.filter((x) => x.status === 200)) {
      const body = JSON.parse(o.body!);
      const expected = o.sentAt > changed + 1000 ? [after] : o.doneAt < changing ? [before] : [before, after];
      expect(expected.map((truth) => truth.get(o.label))).toContainEqual(body.providers);
    }
    for (const u of users) {
      const res = await send(service.base, {
        method: 'POST',
        path: PROVIDERS,
        headers: { authorization: `Bearer ${tokens.get(u.username)}` },
      });
      expect(JSON.parse(res.body!).providers).toEqual(after.get(u.username));
    }
    const ready = await fetch(`${service.base}/readyz`);
    expect(ready.status).toBe(200);

    // The log tells the story once: the outage, its end, the listener's loss and return.
    const log = service.output();
    expect(count(log, /Database unavailable \(/)).toBe(1);
    expect(count(log, /Database is back after/)).toBe(1);
    expect(count(log, /Change listener lost its connection/)).toBe(1);
    expect(count(log, /Change listener reconnected; caches dropped/)).toBe(1);
    expect(unexpectedLogLines(log)).toEqual([]);

    const p = (q: number) => percentile(refusedLatency, q).toFixed(1);
    console.log(
      [
        'Database outage (figures for the README):',
        `  PostgreSQL down for ${((starting - stopping) / 1000).toFixed(1)} s under ${outcomes.length} requests from 6 concurrent clients`,
        `  503 answers: ${refused.length}, latency p50 ${p(50)} ms, p99 ${p(99)} ms, max ${Math.max(...refusedLatency).toFixed(1)} ms`,
        `  slowest request of the run: ${slowest.toFixed(1)} ms (REQUEST_TIMEOUT_MS ${REQUEST_TIMEOUT_MS})`,
        `  recovery: first 200 ${recoveryMs.toFixed(0)} ms after PostgreSQL accepted connections again (no restart)`,
      ].join('\n'),
    );

    service.child.kill('SIGTERM');
    await expect(service.exited).resolves.toBe(0);
  }, 90_000);

  it('answers within REQUEST_TIMEOUT_MS while the database hangs (frozen, connections open), then recovers', async () => {
    // Twice the request timeout: a request that waited for the database rather than the timeout
    // would take about this long, well past the bound below.
    const HUNG_MS = 6000;
    const service = await startService({
      ...production(),
      // No cache: every request needs the database (a live cache would answer from memory).
      PROVIDERS_CACHE: 'off',
      DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
      REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS - 2000),
    });
    services.push(service);
    const token = await tokenFor(service.base, users[0].username);
    const truth = await truthFor(url, users[0].subject);

    let stopAt = Infinity;
    const load = runLoad({
      base: service.base,
      concurrency: 6,
      request: () => ({ method: 'POST', path: PROVIDERS, headers: { authorization: `Bearer ${token}` } }),
      keepGoing: () => performance.now() < stopAt,
    });
    await sleep(1000);
    const frozenAt = performance.now();
    cluster.freeze();
    await sleep(HUNG_MS);
    cluster.thaw();
    const thawedAt = performance.now();
    await sleep(3000);
    stopAt = performance.now();
    const outcomes = await load;

    expect(outcomes.filter((o) => o.error)).toEqual([]);
    const slowest = Math.max(...outcomes.map((o) => o.doneAt - o.sentAt));
    // The request timeout, plus what a loaded machine adds to a timer.
    expect(slowest).toBeLessThan(REQUEST_TIMEOUT_MS - 2000 + 1000);
    const refused = outcomes.filter((o) => o.status !== 200);
    expect(refused.length).toBeGreaterThan(0);
    for (const o of refused) {
      expect(o.status).toBe(503);
      expect(['request timed out', 'database unavailable']).toContain(JSON.parse(o.body!).message);
      expect(o.headers!['cache-control']).toBe(NEVER_CACHE);
    }
    // Every request made while it hung failed; every one made well after, succeeded.
    expect(
      outcomes.filter((o) => o.sentAt > frozenAt + 100 && o.doneAt < thawedAt).every((o) => o.status === 503),
    ).toBe(true);
    const afterwards = outcomes.filter((o) => o.sentAt > thawedAt + 1000);
    expect(afterwards.length).toBeGreaterThan(10);
    for (const o of afterwards) {
      expect(o.status).toBe(200);
      expect(JSON.parse(o.body!).providers).toEqual(truth);
    }
    expect(unexpectedLogLines(service.output())).toEqual([]);

    console.log(
      [
        'Database that hangs (figures for the README):',
        `  PostgreSQL frozen (SIGSTOP) for ${HUNG_MS / 1000} s: ${refused.length} requests answered 503, the slowest in ${slowest.toFixed(0)} ms (REQUEST_TIMEOUT_MS ${REQUEST_TIMEOUT_MS - 2000})`,
      ].join('\n'),
    );
    service.child.kill('SIGTERM');
    await expect(service.exited).resolves.toBe(0);
  }, 60_000);

  it('on SIGTERM stops accepting connections, finishes the requests in flight, closes its connections and exits 0', async () => {
    const service = await startService({
      ...production(),
      // The cache on, so that there is a change listener to close too. It starts empty: the
      // first requests all read the providers table, which the test locks.
      PROVIDERS_CACHE: 'on',
      DB_STATEMENT_TIMEOUT_MS: '10000',
      REQUEST_TIMEOUT_MS: '15000',
      SHUTDOWN_TIMEOUT_MS: '8000',
    });
    services.push(service);
    const token = await tokenFor(service.base, users[0].username);
    const logStart = cluster.log().length;

    // Requests are held in flight by a lock on the table they read, so that SIGTERM lands in
    // the middle of them whatever the machine's speed.
    const locker = new pg.Client({ connectionString: url, application_name: 'test-locker' });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE providers IN ACCESS EXCLUSIVE MODE');

    const CLIENTS = 8;
    let terminatedAt = Infinity;
    const load = runLoad({
      base: service.base,
      concurrency: CLIENTS,
      request: () => ({ method: 'POST', path: PROVIDERS, headers: { authorization: `Bearer ${token}` } }),
      // After SIGTERM, half the clients send one more request and half go quiet, leaving their
      // kept-alive connection idle: neither may delay the exit.
      keepGoing: (o) =>
        o.status === 200 && o.sentAt < terminatedAt && (terminatedAt === Infinity || o.worker % 2 === 1),
    });
    await waitFor(
      async () => {
        const { rows } = await sql(
          url,
          `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = 'providers-service' AND wait_event_type = 'Lock'`,
        );
        return rows[0].n as number;
      },
      (waiting) => waiting >= CLIENTS,
      {
        timeoutMs: 10_000,
        intervalMs: 20,
        what: `${CLIENTS} requests at the lock`,
        details: (n) => `only ${n} requests reached the lock`,
      },
    );

    terminatedAt = performance.now();
    service.child.kill('SIGTERM');
    // The listening socket is closed at once: a new connection is soon refused...
    const noKeepAlive = new http.Agent({ keepAlive: false });
    const { value: fresh } = await waitFor(
      () => send(service.base, { method: 'GET', path: '/healthz' }, noKeepAlive),
      (res) => res.error === 'ECONNREFUSED',
      {
        timeoutMs: 5000,
        intervalMs: 50,
        what: 'a new connection refused',
        details: (res) => `last answer: ${res.error ?? res.status}`,
      },
    );
    expect(fresh.error).toBe('ECONNREFUSED');
    // ... while the requests in flight are still waited for.
    expect(service.child.exitCode).toBeNull();
    await locker.query('ROLLBACK');
    await locker.end();
    const released = performance.now();

    const code = await service.exited;
    const exitedAt = performance.now();
    const outcomes = await load;
    expect(code).toBe(0);

    const inFlight = outcomes.filter((o) => o.sentAt < terminatedAt);
    const afterTerm = outcomes.filter((o) => o.sentAt >= terminatedAt);
    expect(inFlight.filter((o) => o.doneAt > terminatedAt)).toHaveLength(CLIENTS);
    expect(inFlight.filter((o) => o.status !== 200)).toEqual([]);
    // Their connections are closed after the answer, so that no client reuses one that is going away.
    expect(inFlight.filter((o) => o.doneAt > terminatedAt).map((o) => o.headers!.connection)).toEqual(
      Array(CLIENTS).fill('close'),
    );
    expect(exitedAt - released).toBeLessThan(3000);
    // Sent after SIGTERM: refused at the door, never half-answered.
    const refusals = new Map<string, number>();
    for (const o of afterTerm) {
      const kind = o.error ?? String(o.status);
      refusals.set(kind, (refusals.get(kind) ?? 0) + 1);
      expect(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', '503']).toContain(kind);
    }

    const log = service.output();
    expect(log).toMatch(/SIGTERM: finishing requests in flight/);
    expect(log).toMatch(/Closed: HTTP server, database pool and change listener/);
    expect(unexpectedLogLines(log)).toEqual([]);
    // PostgreSQL saw every connection of the service end properly (a Terminate message), none
    // dropped: the pool and the LISTEN connection were closed, not abandoned.
    // The server logs a disconnection once it has processed it, which may be after our exit.
    const ourLines = () =>
      cluster
        .log()
        .slice(logStart)
        .split('\n')
        .filter((line) => /app=providers-service(-listen)? /.test(line));
    await waitFor(
      ourLines,
      (lines) => {
        const ended = lines.filter((line) => /disconnection:/.test(line));
        return ended.length >= CLIENTS && ended.some((line) => /app=providers-service-listen /.test(line));
      },
      {
        timeoutMs: 5000,
        intervalMs: 50,
        what: 'every connection of the service ended',
        details: (lines) => lines.join('\n'),
      },
    );
    const ours = ourLines();
    expect(ours.filter((line) => /disconnection:/.test(line)).length).toBeGreaterThanOrEqual(CLIENTS);
    expect(ours.some((line) => /app=providers-service-listen .*disconnection:/.test(line))).toBe(true);
    expect(
      ours.filter((line) =>
        /unexpected EOF|could not receive data|connection reset|terminating connection/i.test(line),
      ),
    ).toEqual([]);

    console.log(
      [
        'Graceful shutdown (figures for the README):',
        `  ${CLIENTS} requests in flight at SIGTERM: all answered 200; exit code 0 ${(exitedAt - released).toFixed(0)} ms after they could finish`,
        `  requests sent after SIGTERM: ${[...refusals].map(([k, n]) => `${n} × ${k}`).join(', ') || 'none'}`,
      ].join('\n'),
    );
  }, 60_000);
});
