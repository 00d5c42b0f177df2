import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NO_ACCESS, type AccessScope } from './access-scopes.js';

/** PostgreSQL's integer: an id outside it is no row's, and would be an error to ask about. */
const isRowId = (id: number) => Number.isSafeInteger(id) && id > 0 && id <= 2 ** 31 - 1;

/** A provider as a passthrough call needs it, with whether `provider.use` allows it. */
export interface ProviderUseRow {
  id: number;
  name: string;
  base_url: string | null;
  default_model: string;
  api_key_ciphertext: string | null;
  is_active: boolean;
  usable: boolean;
}

/** `where` with its parameters $1…$n renumbered from $offset+1, to follow another scope's. */
function shifted(where: string, offset: number): string {
  return offset === 0 ? where : where.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

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

  /**
   * The providers `match` names (a condition on `p`) within `read`, each with `usable`: whether
   * it is within `use` too. One query, so that a call can tell 404 (not readable) from 409 (not
   * usable) without asking twice.
   */
  async providersForUse(read: AccessScope, use: AccessScope, match: AccessScope): Promise<ProviderUseRow[]> {
    if (read === NO_ACCESS) return [];
    const useOffset = read.params.length;
    const matchOffset = useOffset + use.params.length;
    return this.db.query(
      `SELECT p.id, p.name, p.base_url, p.default_model, p.api_key_ciphertext, p.is_active,
              (${shifted(use.where, useOffset)}) AS usable
         FROM providers p
        WHERE (${shifted(match.where, matchOffset)}) AND (${read.where})
        ORDER BY p.id`,
      [...read.params, ...use.params, ...match.params],
    );
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
