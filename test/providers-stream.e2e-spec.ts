import { request } from 'node:http';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { readScope } from '../src/permissions/access-scopes.js';
import { serializeProvidersList } from '../src/providers/dto/provider-mini.serializer.js';
import { serializeSmarterList } from '../src/providers/dto/provider-smarter.serializer.js';
import { ProvidersCache } from '../src/providers/providers-cache.js';
import { ProvidersRepository } from '../src/providers/providers.repository.js';
import { ProvidersService, STREAM_BATCH_ROWS } from '../src/providers/providers.service.js';
import { loginAs, type Session } from './support/auth.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { sleep, waitFor } from './support/wait.js';

const URL = '/dashboard/passthrough/api/providers/';
const COUNT = STREAM_BATCH_ROWS * 2 + 123;

describe.each([
  ['off', 'mini'],
  ['on', 'mini'],
  ['off', 'smarter'],
  ['on', 'smarter'],
])("a superuser's whole-table answer, streamed in batches (cache %s, PROVIDERS_LIST_FORMAT=%s)", (cache, format) => {
  let t: TestApp;
  let root: Session;
  let port: number;

  beforeAll(async () => {
    // A small pool, so that a connection a stream failed to give back would soon be missed.
    // The statement timeout bounds each batch's read, and reading a batch of the Smarter
    // format's far larger rows takes longer on a loaded machine: it gets more.
    t = await startTestApp({
      PROVIDERS_CACHE: cache,
      PROVIDERS_LIST_FORMAT: format,
      DB_POOL_SIZE: '2',
      DB_STATEMENT_TIMEOUT_MS: format === 'mini' ? '2000' : '8000',
    });
    const db = t.app.get(DataSource);
    const f = new Factories(db);
    const account = await f.account();
    const owner = await f.profile(await f.user({ username: 'owner' }), account);
    await f.user({ username: 'root', isSuperuser: true });
    await db.query(
      `INSERT INTO providers (owner_profile_id, name, base_url)
       SELECT $1, 'p-' || g || ' "quoted" \\ ✓', CASE WHEN g % 7 = 0 THEN NULL ELSE 'https://x.test/' || g END
         FROM generate_series(1, $2::int) g`,
      [owner, COUNT],
    );
    root = await loginAs(t, 'root');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.getHttpServer().address() as { port: number }).port;
  });
  afterAll(async () => {
    await t?.close();
  });

  /** A change, and its notification seen: the next answer is built from the database. */
  async function freshAnswer(): Promise<void> {
    await t.app.get(DataSource).query(`UPDATE providers SET name = name || '!' WHERE id = 1`);
    await waitFor(
      () => t.app.get(ProvidersCache).stats().entries,
      (entries) => entries === 0,
      {
        timeoutMs: 5000,
        intervalMs: 10,
        what: 'the cached answer dropped after the change',
      },
    );
  }

  it('is byte for byte the list built in one piece', async () => {
    const res = await t.inject({ method: 'POST', url: URL, headers: root.bearer });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const superuser = { id: 0, isSuperuser: true, isActive: true };
    const expected =
      format === 'mini'
        ? serializeProvidersList(await t.app.get(ProvidersService).readableProviders(superuser))
        : serializeSmarterList(await t.app.get(ProvidersRepository).findSmarter(readScope(superuser)));
    if (format === 'smarter') expect(JSON.parse(expected).providers[0]).toHaveProperty('rfc1034CompliantName');
    expect(res.body).toBe(expected);
    expect(JSON.parse(res.body).providers).toHaveLength(COUNT);
    // Again (from the cache when it is on): the same bytes.
    expect((await t.inject({ method: 'POST', url: URL, headers: root.bearer })).body).toBe(expected);
  });

  it('gives its connection back when the client goes away mid-answer', async () => {
    await freshAnswer();
    for (let i = 0; i < 4; i++) {
      await new Promise<void>((resolve) => {
        const req = request({ port, host: '127.0.0.1', method: 'POST', path: URL, headers: root.bearer }, (res) => {
          res.once('data', () => {
            req.destroy();
            resolve();
          });
        });
        req.on('error', () => resolve());
        req.end();
      });
    }
    // With a pool of 2, leaked connections would leave these waiting until a 503.
    for (let i = 0; i < 3; i++) {
      const res = await t.inject({ method: 'POST', url: URL, headers: root.bearer });
      expect(res.statusCode).toBe(200);
      expect(JSON.parse(res.body).providers).toHaveLength(COUNT);
    }
  });

  it('gives its connection back when the client goes away before the answer starts', async () => {
    if (t.db.embedded) throw new Error('this test needs a PostgreSQL server (a second connection holds a lock)');
    await freshAnswer();
    // The lock holds the cursor's first batch back, so the client can leave while the service
    // is still waiting for it: the stream is handed to a response that is already gone.
    const locker = new pg.Client({ connectionString: t.db.url });
    await locker.connect();
    // The service's connections inside a transaction, seen from the locker's own connection
    // (a leak may have emptied the service's pool). A suspended cursor's transaction stays open.
    const inTransaction = async () =>
      (
        await locker.query(
          `SELECT count(*)::int AS n FROM pg_stat_activity
            WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()`,
        )
      ).rows[0].n as number;
    try {
      for (let i = 0; i < 2; i++) {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE providers IN ACCESS EXCLUSIVE MODE');
        const req = request({ port, host: '127.0.0.1', method: 'POST', path: URL, headers: root.bearer });
        let answered = false;
        req.on('response', () => (answered = true));
        req.on('error', () => undefined);
        req.end();
        await waitFor(
          async () => {
            const { rows } = await locker.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity
                WHERE datname = current_database() AND wait_event_type = 'Lock'`,
            );
            if (rows[0].n === 0 && answered) throw new Error('the request never waited for the providers table');
            return rows[0].n as number;
          },
          (waiting) => waiting > 0,
          { timeoutMs: 5000, intervalMs: 10, what: 'the request waiting for the providers table' },
        );
        req.destroy();
        await sleep(200); // the service sees the socket close
        await locker.query('ROLLBACK');
        // The first batch is read once the lock is gone; then the cursor must be closed.
        await waitFor(inTransaction, (n) => n === 0, {
          timeoutMs: 5000,
          intervalMs: 20,
          what: 'every transaction ended',
          details: (n) => `${n} connection(s) left inside a transaction`,
        });
      }
    } finally {
      await locker.end();
    }
    const res = await t.inject({ method: 'POST', url: URL, headers: root.bearer });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(res.body).providers).toHaveLength(COUNT);
  });
});
