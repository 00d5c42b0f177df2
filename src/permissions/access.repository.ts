import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NO_ACCESS, type AccessScope } from './access-scopes.js';

/** PostgreSQL's integer: an id outside it is no row's, and would be an error to ask about. */
const isRowId = (id: number) => Number.isSafeInteger(id) && id > 0 && id <= 2 ** 31 - 1;

/** The bulk checks: which of these ids fall within an action's scope, in one query each. */
@Injectable()
export class AccessRepository {
  constructor(private readonly db: DataSource) {}

  /** The subset of `providerIds` within `scope` (a condition on `p`); unknown ids are never in it. */
  providersWithin(scope: AccessScope, providerIds: readonly number[]): Promise<Set<number>> {
    return this.idsWithin('providers p', 'p', scope, providerIds);
  }

  /** The subset of `accountIds` within `scope` (a condition on `a`); unknown ids are never in it. */
  accountsWithin(scope: AccessScope, accountIds: readonly number[]): Promise<Set<number>> {
    return this.idsWithin('accounts a', 'a', scope, accountIds);
  }

  private async idsWithin(
    from: string,
    alias: string,
    scope: AccessScope,
    ids: readonly number[],
  ): Promise<Set<number>> {
    const asked = [...new Set(ids)].filter(isRowId);
    if (scope === NO_ACCESS || asked.length === 0) return new Set();
    const idsParam = `$${scope.params.length + 1}`;
    const rows: { id: number }[] = await this.db.query(
      `SELECT ${alias}.id FROM ${from} WHERE ${alias}.id = ANY(${idsParam}::int[]) AND (${scope.where})`,
      [...scope.params, asked],
    );
    return new Set(rows.map((r) => r.id));
  }
}
