import { queryInBatches } from '../src/database/query-cursor.js';
import { sleep } from './support/wait.js';
import { migratedDataSource, type MigratedDataSource } from './support/test-database.js';

/** Short, so that a reader pausing between batches outlives it several times over. */
const STATEMENT_TIMEOUT_MS = 200;

describe('queryInBatches: the statement timeout bounds each read, not the whole stream', () => {
  let database: MigratedDataSource;

  beforeAll(async () => {
    database = await migratedDataSource({ statementTimeoutMs: STATEMENT_TIMEOUT_MS, poolSize: 2 });
  });
  afterAll(async () => {
    await database?.close();
  });

  /** The service's connections still inside a transaction (a cursor left open keeps one). */
  const inTransaction = async (): Promise<number> =>
    (
      await database.ds.query(
        `SELECT count(*)::int AS n FROM pg_stat_activity
          WHERE datname = current_database() AND xact_start IS NOT NULL AND pid <> pg_backend_pid()`,
      )
    )[0].n;

  it('yields every row to a reader that pauses longer than the timeout between batches', async () => {
    const started = performance.now();
    const seen: number[] = [];
    for await (const rows of queryInBatches<{ g: number }>(
      database.ds,
      'SELECT g FROM generate_series(1, $1::int) g ORDER BY g',
      [25],
      10,
    )) {
      seen.push(...rows.map((r) => r.g));
      await sleep(STATEMENT_TIMEOUT_MS * 2);
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    // The point of the test: the stream lived well past the statement timeout.
    expect(performance.now() - started).toBeGreaterThan(STATEMENT_TIMEOUT_MS * 4);
    await expect(inTransaction()).resolves.toBe(0);
  });

  it('still fails a read that itself takes longer than the timeout, and gives the connection back', async () => {
    const read = async () => {
      // Each batch of 5 rows sleeps 5 × 60 ms in the database: longer than the timeout.
      for await (const rows of queryInBatches(
        database.ds,
        'SELECT g, pg_sleep(0.06) FROM generate_series(1, 20) g',
        [],
        5,
      )) {
        void rows;
      }
    };
    await expect(read()).rejects.toMatchObject({ code: '57014' });
    await expect(inTransaction()).resolves.toBe(0);
  });

  it('closes the cursor and its transaction when the reader stops early', async () => {
    const batches = queryInBatches<{ g: number }>(database.ds, 'SELECT g FROM generate_series(1, 100) g', [], 10);
    const first = await batches.next();
    expect(first.value).toHaveLength(10);
    // The pool's other connection sees the stream's transaction open, then gone.
    await expect(inTransaction()).resolves.toBe(1);
    await batches.return(undefined);
    await expect(inTransaction()).resolves.toBe(0);
  });
});
