import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryInBatches } from '../database/query-cursor.js';
import { NO_ACCESS, type AccessScope } from '../permissions/access-scopes.js';

/** A provider as the list shows it: only the columns the mini serializer needs. */
export interface ProviderMiniRow {
  id: number;
  name: string;
  base_url: string | null;
}

/**
 * The list query for a scope (a condition on `p`, e.g. readScope(user)): each provider in it
 * once, by id. Exported so that tests and the benchmark's baseline run (and EXPLAIN) exactly
 * what the service runs.
 */
export function miniListQuery(scope: AccessScope): { sql: string; params: readonly unknown[] } {
  return {
    sql: `SELECT p.id, p.name, p.base_url FROM providers p WHERE ${scope.where} ORDER BY p.id`,
    params: scope.params,
  };
}

/** Every SQL of the providers aggregate. */
@Injectable()
export class ProvidersRepository {
  constructor(private readonly db: DataSource) {}

  /** The providers within `scope`, by id, in one piece. */
  async findMini(scope: AccessScope): Promise<ProviderMiniRow[]> {
    if (scope === NO_ACCESS) return [];
    const { sql, params } = miniListQuery(scope);
    return this.db.query(sql, [...params]);
  }

  /** The same rows as findMini, in batches from a cursor (see queryInBatches). */
  async *findMiniInBatches(scope: AccessScope, batchSize: number): AsyncGenerator<ProviderMiniRow[]> {
    if (scope === NO_ACCESS) return;
    const { sql, params } = miniListQuery(scope);
    yield* queryInBatches<ProviderMiniRow>(this.db, sql, params, batchSize);
  }
}
