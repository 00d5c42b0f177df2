import PgBoss from 'pg-boss';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { VERIFICATION_QUEUE } from '../src/providers/verification/verification.service.js';
import { loginAs } from './support/auth.js';
import { Factories } from './support/factories.js';
import { startStubUpstream, type StubUpstream } from './support/stub-upstream.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { outcomeOf, providerState, setUpProvider, upstreamAnswers } from './support/verification-world.js';
import { waitFor } from './support/wait.js';

/** The job queue across instances: two applications on one database, as two replicas would run. */
describe('verification jobs with several instances', () => {
  let db: TestDatabase;
  let stub: StubUpstream;
  let a: TestApp;
  let b: TestApp;
  let profile: number;
  let f: Factories;

  beforeAll(async () => {
    db = await createTestDatabase();
    stub = await startStubUpstream((req, res) => upstreamAnswers(req, res));
    const env = { EGRESS_ALLOW_HOSTS: `127.0.0.1:${stub.port}`, VERIFICATION_TIMEOUT_MS: '3000' };
    a = await startTestApp(env, db);
    b = await startTestApp(env, db);
    f = new Factories(a.app.get(DataSource));
    const account = await f.account();
    profile = await f.profile(await f.user({ username: 'owner' }), account);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await stub?.close();
    await db?.drop();
  });

  const outcomeRows = (id: number) =>
    a.app
      .get(DataSource)
      .query(
        `SELECT new_value FROM provider_history WHERE provider_id = $1 AND action = 'verification' AND field = 'status' AND new_value <> 'verifying'`,
        [id],
      );

  it('runs each job once, whichever instance queued it', async () => {
    const ids: number[] = [];
    for (let i = 0; i < 8; i++) {
      const id = await f.provider(profile);
      await setUpProvider(a, stub, id);
      ids.push(id);
    }
    const sessions = [await loginAs(a, 'owner'), await loginAs(b, 'owner')];
    const before = stub.received.filter((r) => r.path === '/v1/models').length;
    await Promise.all(
      ids.map(async (id, i) => {
        const app = i % 2 ? b : a;
        const res = await app.inject({
          method: 'POST',
          url: `/api/v1/providers/${id}/verify`,
          headers: sessions[i % 2].bearer,
        });
        expect(res.statusCode).toBe(202);
      }),
    );
    for (const id of ids) expect((await outcomeOf(a, id)).status).toBe('verified');
    for (const id of ids) expect(await outcomeRows(id)).toEqual([{ new_value: 'verified' }]);
    expect(stub.received.filter((r) => r.path === '/v1/models').length - before).toBe(ids.length);
  });

  it('runs again a job whose worker died while it was active', async () => {
    const id = await f.provider(profile);
    await setUpProvider(a, stub, id);
    // A worker (here a bare pg-boss client) takes the job, then is gone without finishing it.
    const pool = new pg.Pool({ connectionString: db.url, max: 1 });
    const dead = new PgBoss({
      db: { executeSql: (text, values) => pool.query(text, values) },
      supervise: false,
      schedule: false,
    });
    try {
      await dead.start();
      await pool.query(`UPDATE providers SET status = 'verifying' WHERE id = $1`, [id]);
      await dead.send(VERIFICATION_QUEUE, { providerId: id, requestedBy: null });
      const [taken] = await dead.fetch(VERIFICATION_QUEUE);
      expect(taken.data).toEqual({ providerId: id, requestedBy: null });
      await dead.stop({ graceful: false, close: false });
      // Its attempt outlives the queue's expiry (time moved on, not waited for), and pg-boss's
      // maintenance, which any instance runs, fails it; the retry is due at once.
      await pool.query(`UPDATE pgboss.job SET started_on = now() - interval '1 hour' WHERE id = $1`, [taken.id]);
      const maintainer = new PgBoss({
        db: { executeSql: (text, values) => pool.query(text, values) },
        schedule: false,
      });
      await maintainer.start();
      await maintainer.maintain();
      await maintainer.stop({ graceful: false, close: false });
      const [{ state }] = (await pool.query(`SELECT state FROM pgboss.job WHERE id = $1`, [taken.id])).rows;
      expect(state).toBe('retry');
      await pool.query(`UPDATE pgboss.job SET start_after = now() WHERE id = $1`, [taken.id]);
    } finally {
      await pool.end();
    }
    expect((await outcomeOf(a, id)).status).toBe('verified');
    expect(await outcomeRows(id)).toEqual([{ new_value: 'verified' }]);
  });

  it('on close, lets the job in flight finish before the pool closes', async () => {
    await a.close();
    // a's pool is closed now: the rows go in through b's.
    const id = await new Factories(b.app.get(DataSource)).provider(profile);
    await setUpProvider(b, stub, id, { baseUrl: `${stub.origin}/delayed` });
    const session = await loginAs(b, 'owner');
    const res = await b.inject({ method: 'POST', url: `/api/v1/providers/${id}/verify`, headers: session.bearer });
    expect(res.statusCode).toBe(202);
    await waitFor(
      () => stub.received.some((r) => r.path === '/delayed/models'),
      (seen) => seen,
      { timeoutMs: 10_000, what: 'the delayed upstream call' },
    );
    expect((await providerState(b, id)).status).toBe('verifying');
    await b.close();
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      const { rows } = await client.query(`SELECT status FROM providers WHERE id = $1`, [id]);
      expect(rows).toEqual([{ status: 'verified' }]);
    } finally {
      await client.end();
    }
  });
});
