import pg from 'pg';
import { DataSource } from 'typeorm';
import { loginAs, type Session } from './support/auth.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { captureProcessOutput } from './support/process-output.js';
import { NEVER_CACHE } from './support/error-shape.js';
import { sleep, waitFor } from './support/wait.js';

const PROVIDERS = '/dashboard/passthrough/api/providers/';

/**
 * Nest's logger writes straight to the process streams: keep what it writes (and show none of
 * it) while `fn` runs.
 */
async function capturingLogs<T>(fn: (logged: () => string) => Promise<T>): Promise<T> {
  const captured = captureProcessOutput();
  try {
    return await fn(captured.output);
  } finally {
    captured.restore();
  }
}

/**
 * A query slowed down by a lock another connection holds (as a long migration or a stuck
 * transaction would): the request fails alone, with a 503, and the next one works.
 */
describe.each([
  ['a query over DB_STATEMENT_TIMEOUT_MS', { DB_STATEMENT_TIMEOUT_MS: '300' }, 'database unavailable'],
  [
    'a request over REQUEST_TIMEOUT_MS (the database would have waited longer)',
    { DB_STATEMENT_TIMEOUT_MS: '20000', REQUEST_TIMEOUT_MS: '400' },
    'request timed out',
  ],
])('slow database: %s', (_what, env, message) => {
  let t: TestApp;
  let alice: Session;
  let root: Session;
  let locker: pg.Client;
  let expected: string;
  let expectedRoot: string;

  beforeAll(async () => {
    // At 'log' level, to see DatabaseStatus's lines; the start-up's own are not shown.
    t = await capturingLogs(() => startTestApp({ ...env, LOG_LEVEL: 'log' }));
    const f = new Factories(t.app.get(DataSource));
    const account = await f.account();
    const aliceId = await f.user({ username: 'alice' });
    await f.provider(await f.profile(aliceId, account), { name: 'acme-gateway' });
    await f.user({ username: 'root', isSuperuser: true });
    alice = await loginAs(t, 'alice');
    root = await loginAs(t, 'root');
    expected = (await list()).body;
    expect(JSON.parse(expected).providers).toHaveLength(1);
    // A superuser's answer is streamed from a cursor: another way of holding a connection.
    expectedRoot = (await list(root)).body;
    expect(expectedRoot).toBe(expected);
    locker = new pg.Client({ connectionString: t.db.url });
    await locker.connect();
  });
  afterAll(async () => {
    await locker?.end();
    await t?.close();
  });

  const list = (who?: Session) => t.inject({ method: 'POST', url: PROVIDERS, headers: (who ?? alice).bearer });

  it('answers that request 503 in about the timeout, keeps serving what does not wait, and recovers once the lock goes', async () => {
    await capturingLogs(async (logged) => {
      await locker.query('BEGIN');
      await locker.query('LOCK TABLE providers IN ACCESS EXCLUSIVE MODE');
      const started = performance.now();
      // Half of them a superuser's; fewer than the pool's 5 connections, so that one is left for /auth/me.
      const [slow, me, health] = await Promise.all([
        Promise.all(Array.from({ length: 4 }, (_, i) => list(i % 2 ? root : alice))),
        t.inject({ method: 'GET', url: '/auth/me', headers: alice.bearer }),
        t.inject({ method: 'GET', url: '/healthz' }),
      ]);
      const elapsed = performance.now() - started;
      for (const res of slow) {
        expect(res.statusCode).toBe(503);
        expect(res.json()).toEqual({ statusCode: 503, error: 'Service Unavailable', message });
        expect(res.headers['cache-control']).toBe(NEVER_CACHE);
        // The security headers too: they are given as the request arrives, before it waits.
        expect(res.headers['x-content-type-options']).toBe('nosniff');
        expect(String(res.headers['content-security-policy'])).toMatch(/frame-ancestors 'none'/);
      }
      // Bounded by the timeout that applies (300 or 400 ms), not by the lock.
      expect(elapsed).toBeLessThan(3000);
      expect(me.statusCode).toBe(200);
      expect(health.statusCode).toBe(200);

      await locker.query('ROLLBACK');
      // Nothing the failed requests held is still held: every connection comes back to the pool
      // (the requests that timed out may still be finishing in the background).
      const pool = (t.app.get(DataSource).driver as unknown as { master: pg.Pool }).master;
      await waitFor(
        () => pool.totalCount - pool.idleCount,
        (busy) => busy === 0,
        {
          timeoutMs: 10_000,
          intervalMs: 50,
          what: 'every connection back in the pool',
        },
      );
      expect(pool.idleCount).toBe(pool.totalCount);
      // DatabaseStatus counts the database as down for a second after the last failure
      // (QUIET_MS), so that "back" is said once rather than at each flicker.
      await sleep(Math.max(0, started + elapsed + 1200 - performance.now()));
      const after = await Promise.all(Array.from({ length: 4 }, (_, i) => list(i % 2 ? root : alice)));
      for (const res of after) {
        expect(res.statusCode).toBe(200);
        expect(res.body).toBe(expected);
      }
      const log = logged();
      expect(log).not.toMatch(/ERROR|Internal server error|\n\s+at /);
      if (message === 'database unavailable') {
        // Four failed requests, one line; and one when it answers again.
        expect(log.match(/Database unavailable \(57014: canceling statement due to statement timeout\)/g)).toHaveLength(
          1,
        );
        expect(log.match(/Database is back after [\d.]+ s; 4 requests were answered 503 meanwhile/g)).toHaveLength(1);
      }
    });
  });
});
