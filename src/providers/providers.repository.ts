import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryInBatches } from '../database/query-cursor.js';
import { NO_ACCESS, type AccessScope } from '../permissions/access-scopes.js';
import type { ProviderStatus } from './provider.entity.js';
import { PROVIDER_SLUG_SQL } from './provider-slug.js';

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

/**
 * A provider as Smarter's list format shows it (src/providers/dto/provider-smarter.serializer.ts):
 * its columns, the slug, its owner's account and user, who accepted its terms, and whether a
 * key is set (never the key: only the last four characters the management API shows too).
 */
export interface ProviderSmarterRow {
  id: number;
  name: string;
  description: string;
  row_version: number;
  status: ProviderStatus;
  slug: string;
  is_default: boolean;
  default_model: string;
  base_url: string | null;
  connectivity_test_path: string;
  website_url: string | null;
  docs_url: string | null;
  terms_of_service_url: string | null;
  privacy_policy_url: string | null;
  is_active: boolean;
  is_verified: boolean;
  is_featured: boolean;
  is_official: boolean;
  has_api_key: boolean;
  api_key_last4: string | null;
  account_number: string;
  owner_username: string;
  owner_email: string;
  /** Timestamps as ISO 8601 text, written by PostgreSQL exactly as Date#toISOString would. */
  tos_accepted_at: string | null;
  tos_username: string | null;
  tos_email: string | null;
  contact_email: string | null;
  support_email: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * A timestamptz as Date#toISOString writes it (UTC, milliseconds, `Z`), made by the database:
 * a whole table's worth of Date objects parsed and formatted again costs the service more
 * than the query does.
 */
function isoText(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/**
 * The Smarter format's list query: the same scope and order as miniListQuery, joined to the
 * owner (profile, account, user) and to the user who accepted the terms. The joins' aliases
 * stay clear of those the scopes use inside their subqueries (owner, mine, platform, any_mine).
 */
export function smarterListQuery(scope: AccessScope, extraColumns = ''): { sql: string; params: readonly unknown[] } {
  return {
    sql: `
      SELECT ${extraColumns}p.id, p.name, p.description, p.row_version, p.status, ${PROVIDER_SLUG_SQL} AS slug,
             p.is_default, p.default_model, p.base_url, p.connectivity_test_path,
             p.website_url, p.docs_url, p.terms_of_service_url, p.privacy_policy_url,
             p.is_active, p.is_verified, p.is_featured, owner_account.is_platform AS is_official,
             (p.api_key_ciphertext IS NOT NULL) AS has_api_key, p.api_key_last4,
             owner_account.account_number, owner_user.username AS owner_username, owner_user.email AS owner_email,
             ${isoText('p.tos_accepted_at')} AS tos_accepted_at,
             tos_user.username AS tos_username, tos_user.email AS tos_email,
             p.contact_email, p.support_email,
             ${isoText('p.created_at')} AS created_at, ${isoText('p.updated_at')} AS updated_at
        FROM providers p
        JOIN user_profiles owner_profile ON owner_profile.id = p.owner_profile_id
        JOIN accounts owner_account ON owner_account.id = owner_profile.account_id
        JOIN users owner_user ON owner_user.id = owner_profile.user_id
        LEFT JOIN users tos_user ON tos_user.id = p.tos_accepted_by
       WHERE ${scope.where}
       ORDER BY p.id`,
    params: scope.params,
  };
}

/** A list row and the account its owner profile belongs to (the cache's fragment it goes in). */
export type InAccount<Row> = Row & { fragment_account_id: number };

/** The providers owned in these accounts, as a condition on `p` inside smarterListQuery's joins. */
const IN_ACCOUNTS = 'owner_profile.account_id = ANY($1::int[])';

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

  /** The providers within `scope` in Smarter's format, by id, in one piece. */
  async findSmarter(scope: AccessScope): Promise<ProviderSmarterRow[]> {
    if (scope === NO_ACCESS) return [];
    const { sql, params } = smarterListQuery(scope);
    return this.db.query(sql, [...params]);
  }

  /** The same rows as findSmarter, in batches from a cursor (see queryInBatches). */
  async *findSmarterInBatches(scope: AccessScope, batchSize: number): AsyncGenerator<ProviderSmarterRow[]> {
    if (scope === NO_ACCESS) return;
    const { sql, params } = smarterListQuery(scope);
    yield* queryInBatches<ProviderSmarterRow>(this.db, sql, params, batchSize);
  }

  /**
   * The providers owned in these accounts, with the account of each, by id: what the cache's
   * per-account fragments are made of (src/providers/providers-cache.ts).
   */
  async findMiniInAccounts(accountIds: readonly number[]): Promise<InAccount<ProviderMiniRow>[]> {
    if (accountIds.length === 0) return [];
    return this.db.query(
      `SELECT owner_profile.account_id AS fragment_account_id, p.id, p.name, p.base_url
         FROM providers p
         JOIN user_profiles owner_profile ON owner_profile.id = p.owner_profile_id
        WHERE ${IN_ACCOUNTS}
        ORDER BY p.id`,
      [accountIds],
    );
  }

  /** The same as findMiniInAccounts in Smarter's format. */
  async findSmarterInAccounts(accountIds: readonly number[]): Promise<InAccount<ProviderSmarterRow>[]> {
    if (accountIds.length === 0) return [];
    const { sql } = smarterListQuery(
      { where: IN_ACCOUNTS, params: [] },
      'owner_profile.account_id AS fragment_account_id, ',
    );
    return this.db.query(sql, [accountIds]);
  }
}
