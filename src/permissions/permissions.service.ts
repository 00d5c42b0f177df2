import { Injectable } from '@nestjs/common';
import type pg from 'pg';
import Cursor from 'pg-cursor';
import { DataSource } from 'typeorm';

/** What the read rule needs to know about the caller; the authenticated user satisfies it. */
export interface ReadSubject {
  id: number;
  isSuperuser: boolean;
  isActive: boolean;
}

/** A provider as the list shows it: only the columns the mini serializer needs. */
export interface ProviderMiniRow {
  id: number;
  name: string;
  base_url: string | null;
}

/**
 * Which providers an ordinary user (not superuser, active) may read, as a condition on `p`
 * (providers) with the user's id as $1: those owned by a profile in an account where the user
 * has a profile, or in a platform account provided the user has at least one profile.
 *
 * Written as semi-joins (IN) so that each provider appears once without a DISTINCT, and so
 * that PostgreSQL starts from the user's few profiles and reaches providers through
 * user_profiles(account_id) and providers(owner_profile_id, name): the cost follows the size
 * of the answer, not of the providers table.
 */
const ORDINARY_USER_SCOPE = `
  p.owner_profile_id IN (
    SELECT owner.id
      FROM user_profiles owner
     WHERE owner.account_id IN (
             SELECT mine.account_id
               FROM user_profiles mine
              WHERE mine.user_id = $1
             UNION
             SELECT platform.id
               FROM accounts platform
              WHERE platform.is_platform
                AND EXISTS (SELECT 1 FROM user_profiles any_mine WHERE any_mine.user_id = $1)))`;

/**
 * The single place that decides who may read which provider (the rule is documented in
 * docs/world-format.md): anonymous and inactive users read nothing, a superuser reads every
 * provider, anyone else reads ORDINARY_USER_SCOPE. The list and the bulk check share it.
 */
@Injectable()
export class PermissionsService {
  constructor(private readonly db: DataSource) {}

  /** Every provider the user may read, ordered by id, each once, as one SQL query. */
  async readableProviders(user: ReadSubject | null): Promise<ProviderMiniRow[]> {
    const { sql, params } = this.readableProvidersQuery(user) ?? {};
    return sql ? this.db.query(sql, params) : [];
  }

  /**
   * The same rows as readableProviders, in batches read through a cursor on one pooled
   * connection, for answers too large to hold at once (a superuser's is the whole table).
   * Stopping early (return() on the iterator) closes the cursor and frees the connection.
   */
  async *readableProvidersInBatches(user: ReadSubject | null, batchSize: number): AsyncGenerator<ProviderMiniRow[]> {
    const query = this.readableProvidersQuery(user);
    if (!query) return;
    const runner = this.db.createQueryRunner();
    const client = (await runner.connect()) as pg.PoolClient;
    const cursor = client.query(new Cursor<ProviderMiniRow>(query.sql, query.params));
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

  /**
   * The query behind readableProviders (null when the answer is empty without asking the
   * database), exposed so that tests and benchmarks can EXPLAIN exactly what runs.
   */
  readableProvidersQuery(user: ReadSubject | null): { sql: string; params: unknown[] } | null {
    if (!user?.isActive) return null;
    if (user.isSuperuser) {
      return { sql: `SELECT p.id, p.name, p.base_url FROM providers p ORDER BY p.id`, params: [] };
    }
    return {
      sql: `SELECT p.id, p.name, p.base_url FROM providers p WHERE ${ORDINARY_USER_SCOPE} ORDER BY p.id`,
      params: [user.id],
    };
  }

  /** The subset of `providerIds` that the user may read (ids that do not exist are never in it). */
  async canRead(user: ReadSubject | null, providerIds: readonly number[]): Promise<Set<number>> {
    const ids = [...new Set(providerIds)].filter((id) => Number.isSafeInteger(id) && id > 0 && id <= 2 ** 31 - 1);
    if (!user?.isActive || ids.length === 0) return new Set();
    const rows: { id: number }[] = user.isSuperuser
      ? await this.db.query(`SELECT p.id FROM providers p WHERE p.id = ANY($1::int[])`, [ids])
      : await this.db.query(`SELECT p.id FROM providers p WHERE p.id = ANY($2::int[]) AND ${ORDINARY_USER_SCOPE}`, [
          user.id,
          ids,
        ]);
    return new Set(rows.map((r) => r.id));
  }
}
