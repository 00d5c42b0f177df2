import type pg from 'pg';
import Cursor from 'pg-cursor';
import type { DataSource } from 'typeorm';

/**
 * The rows of one query in batches, read through a server-side cursor on one pooled
 * connection, for answers too large to hold at once. Stopping early (return() on the
 * iterator) closes the cursor and gives the connection back to the pool.
 */
export async function* queryInBatches<Row>(
  db: DataSource,
  sql: string,
  params: readonly unknown[],
  batchSize: number,
): AsyncGenerator<Row[]> {
  const runner = db.createQueryRunner();
  // The postgres driver's query runner hands out the pool's own client (typed `any` by TypeORM).
  const client: pg.PoolClient = await runner.connect();
  const cursor = client.query(new Cursor<Row>(sql, [...params]));
  try {
    for (;;) {
      const rows = await cursor.read(batchSize);
      if (rows.length > 0) yield rows;
      if (rows.length < batchSize) return;
    }
  } finally {
    await cursor.close().catch(() => {});
    await runner.release();
  }
}
