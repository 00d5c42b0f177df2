import type pg from 'pg';
import type { DataSource } from 'typeorm';

/**
 * The rows of one query in batches, read through a server-side cursor on one pooled
 * connection, for answers too large to hold at once. Stopping early (return() on the
 * iterator) closes the cursor and gives the connection back to the pool.
 *
 * The cursor is SQL's own (DECLARE, then one FETCH per batch, in a read-only transaction)
 * rather than a protocol portal (pg-cursor): PostgreSQL's statement_timeout runs from a
 * statement's first message to its Sync, and a portal read batch by batch is one statement
 * until it is closed, so a large table or a client reading slowly would fail a whole stream
 * after DB_STATEMENT_TIMEOUT_MS. Each FETCH is a statement of its own: the timeout bounds
 * every round trip to the database (a slow or hung database still fails fast), and no longer
 * the time the client takes to read. How long the whole stream may take is the request's own
 * bound (REQUEST_TIMEOUT_MS), which ends the response, and so this iterator, when it is up.
 */
export async function* queryInBatches<Row>(
  db: DataSource,
  sql: string,
  params: readonly unknown[],
  batchSize: number,
): AsyncGenerator<Row[]> {
  const size = Math.floor(batchSize);
  if (!(size >= 1)) throw new RangeError(`batchSize must be at least 1, got ${batchSize}`);
  // The pool itself (as DatabaseStatus and the job queue reach it): a connection whose
  // transaction could not be ended must be destroyed, not given back, and TypeORM's query
  // runner has no public way to say so.
  const pool = (db.driver as unknown as { master: pg.Pool }).master;
  const client = await pool.connect();
  let broken: Error | undefined;
  let inTransaction = false;
  try {
    await client.query('BEGIN READ ONLY');
    inTransaction = true;
    await client.query(`DECLARE batches NO SCROLL CURSOR FOR ${sql}`, [...params]);
    for (;;) {
      const { rows } = await client.query<Row & pg.QueryResultRow>(`FETCH FORWARD ${size} FROM batches`);
      if (rows.length > 0) yield rows;
      if (rows.length < size) return;
    }
  } catch (err) {
    // BEGIN itself failed: the connection is suspect (a database that went away leaves idle
    // clients that fail their next query), and nothing told it apart from a sound one.
    if (!inTransaction) broken = err as Error;
    throw err;
  } finally {
    // ROLLBACK ends the transaction and closes the cursor with it (a read-only one has nothing to undo).
    if (inTransaction) {
      await client.query('ROLLBACK').catch((err: Error) => {
        broken = err;
      });
    }
    client.release(broken);
  }
}
