import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { NO_ACCESS, type AccessScope } from '../../permissions/access-scopes.js';
import type { ProviderStatus } from '../provider.entity.js';
import { ProviderNameTakenError } from '../providers.errors.js';
import type { UpdatableField } from './dto/provider-input.dto.js';

/** A provider as the management routes show it: the record's columns, users and account by name. */
export interface ProviderRecordRow {
  id: number;
  name: string;
  description: string;
  base_url: string | null;
  default_model: string;
  connectivity_test_path: string;
  website_url: string | null;
  docs_url: string | null;
  terms_of_service_url: string | null;
  privacy_policy_url: string | null;
  contact_email: string | null;
  support_email: string | null;
  status: ProviderStatus;
  is_active: boolean;
  is_verified: boolean;
  is_featured: boolean;
  is_default: boolean;
  has_api_key: boolean;
  api_key_last4: string | null;
  tos_accepted_at: Date | null;
  tos_accepted_by: string | null;
  account_number: string;
  owner: string;
  created_by: string | null;
  updated_by: string | null;
  verified_at: Date | null;
  created_at: Date;
  updated_at: Date;
  row_version: number;
}

/** The values a write compares and changes, locked for the rest of its transaction. */
export type LockedProvider = Record<UpdatableField, string | boolean | null> & {
  id: number;
  account_id: number;
  row_version: number;
  has_api_key: boolean;
};

export interface RecordFilters {
  q?: string;
  status?: ProviderStatus;
  accountNumber?: string;
  afterId?: number;
}

export type NewProvider = Partial<Record<UpdatableField, string | boolean | null>> & {
  name: string;
  ownerProfileId: number;
  createdBy: number;
};

/** The record's columns and names, read from `source` (the providers table, or a page of it) as `p`. */
const recordSelect = (source = 'providers') => `
  SELECT p.id, p.name, p.description, p.base_url, p.default_model, p.connectivity_test_path,
         p.website_url, p.docs_url, p.terms_of_service_url, p.privacy_policy_url,
         p.contact_email, p.support_email, p.status, p.is_active, p.is_verified, p.is_featured,
         p.is_default, (p.api_key_ciphertext IS NOT NULL) AS has_api_key, p.api_key_last4,
         p.tos_accepted_at, tos_user.username AS tos_accepted_by, acct.account_number,
         owner_user.username AS owner, creator.username AS created_by, updater.username AS updated_by,
         p.verified_at, p.created_at, p.updated_at, p.row_version
    FROM ${source} p
    JOIN user_profiles owner_profile ON owner_profile.id = p.owner_profile_id
    JOIN accounts acct ON acct.id = owner_profile.account_id
    JOIN users owner_user ON owner_user.id = owner_profile.user_id
    LEFT JOIN users tos_user ON tos_user.id = p.tos_accepted_by
    LEFT JOIN users creator ON creator.id = p.created_by
    LEFT JOIN users updater ON updater.id = p.updated_by`;

/** `%`, `_` and the escape character itself match literally in a LIKE pattern after this. */
export function likePattern(text: string): string {
  return `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

/** Every SQL of the management routes; a write takes the EntityManager of its transaction. */
@Injectable()
export class ProviderRecordsRepository {
  constructor(private readonly db: DataSource) {}

  /** At most `limit` records within `scope` (a condition on `p`), by id, after `afterId`. */
  async findPage(scope: AccessScope, filters: RecordFilters, limit: number): Promise<ProviderRecordRow[]> {
    if (scope === NO_ACCESS) return [];
    const params: unknown[] = [...scope.params];
    const next = (value: unknown) => `$${params.push(value)}`;
    const conditions = [`(${scope.where})`];
    if (filters.afterId !== undefined) conditions.push(`p.id > ${next(filters.afterId)}`);
    if (filters.status !== undefined) conditions.push(`p.status = ${next(filters.status)}`);
    if (filters.accountNumber !== undefined) {
      conditions.push(
        `p.owner_profile_id IN (SELECT up.id FROM user_profiles up JOIN accounts a ON a.id = up.account_id
                                 WHERE a.account_number = ${next(filters.accountNumber)})`,
      );
    }
    if (filters.q !== undefined && filters.q !== '') {
      const pattern = next(likePattern(filters.q));
      conditions.push(`(p.name ILIKE ${pattern} ESCAPE '\\' OR p.base_url ILIKE ${pattern} ESCAPE '\\')`);
    }
    // The page's rows first, then their names: joined before the LIMIT, the planner would
    // join the whole table to sort it.
    const page = `(SELECT * FROM providers p WHERE ${conditions.join(' AND ')} ORDER BY p.id LIMIT ${next(limit)})`;
    return this.db.query(`${recordSelect(page)} ORDER BY p.id`, params);
  }

  async findOne(id: number, manager: EntityManager = this.db.manager): Promise<ProviderRecordRow | undefined> {
    const [row] = await manager.query(`${recordSelect()} WHERE p.id = $1`, [id]);
    return row;
  }

  /**
   * The account with this number, and the caller's profile in it; undefined when the caller has
   * no profile there, unless they are a superuser (who may know every account).
   */
  async accountFor(
    userId: number,
    isSuperuser: boolean,
    accountNumber: string,
  ): Promise<{ accountId: number; profileId: number | null } | undefined> {
    const [row] = await this.db.query(
      `SELECT a.id AS account_id, mine.id AS profile_id
         FROM accounts a
         LEFT JOIN user_profiles mine ON mine.account_id = a.id AND mine.user_id = $1
        WHERE a.account_number = $2 AND (mine.id IS NOT NULL OR $3::boolean)`,
      [userId, accountNumber, isSuperuser],
    );
    return row ? { accountId: row.account_id, profileId: row.profile_id } : undefined;
  }

  /** The account that owns the provider (through the owner profile), or undefined when it is gone. */
  async accountOf(manager: EntityManager, providerId: number): Promise<number | undefined> {
    const [row] = await manager.query(
      `SELECT owner_profile.account_id FROM providers p
         JOIN user_profiles owner_profile ON owner_profile.id = p.owner_profile_id
        WHERE p.id = $1`,
      [providerId],
    );
    return row?.account_id;
  }

  /**
   * Serialises the writes that choose an account's default provider: each takes this lock
   * before reading or changing any is_default, so two of them cannot both leave theirs set.
   * Always taken before a provider's row lock, so that two writers never wait on each other.
   */
  async lockAccount(manager: EntityManager, accountId: number): Promise<void> {
    await manager.query(`SELECT 1 FROM accounts WHERE id = $1 FOR NO KEY UPDATE`, [accountId]);
  }

  async lockProvider(manager: EntityManager, id: number): Promise<LockedProvider | undefined> {
    const [row] = await manager.query(
      `SELECT p.id, owner_profile.account_id, p.row_version, (p.api_key_ciphertext IS NOT NULL) AS has_api_key,
              p.name, p.description, p.base_url, p.default_model, p.connectivity_test_path, p.website_url,
              p.docs_url, p.terms_of_service_url, p.privacy_policy_url, p.contact_email, p.support_email,
              p.is_featured, p.is_default
         FROM providers p
         JOIN user_profiles owner_profile ON owner_profile.id = p.owner_profile_id
        WHERE p.id = $1
          FOR UPDATE OF p`,
      [id],
    );
    return row;
  }

  async insert(manager: EntityManager, provider: NewProvider, fields: readonly UpdatableField[]): Promise<number> {
    // Inactive until verified and activated (POST …/activate); the column's default (true) is
    // for worlds written before activation existed.
    const columns = ['owner_profile_id', 'created_by', 'updated_by', 'is_active', ...fields];
    const values = [
      provider.ownerProfileId,
      provider.createdBy,
      provider.createdBy,
      false,
      ...fields.map((f) => provider[f]),
    ];
    return this.mapNameTaken(provider.name, async () => {
      const [row] = await manager.query(
        `INSERT INTO providers (${columns.join(', ')})
         VALUES (${values.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
        values,
      );
      return row.id as number;
    });
  }

  /**
   * Writes `changes` if the row is still at `expectedVersion` (compared in the UPDATE itself, so
   * no other write can slip in between); false when it is not.
   */
  async update(
    manager: EntityManager,
    id: number,
    expectedVersion: number,
    changes: Partial<Record<UpdatableField, string | boolean | null>>,
    updatedBy: number,
  ): Promise<boolean> {
    const fields = Object.keys(changes) as UpdatableField[];
    const params: unknown[] = [id, expectedVersion, updatedBy, ...fields.map((f) => changes[f])];
    const assignments = fields.map((f, i) => `${f} = $${i + 4}`);
    return this.mapNameTaken(String(changes.name ?? ''), async () => {
      const [, affected] = await manager.query(
        `UPDATE providers
            SET ${[...assignments, 'updated_by = $3', 'updated_at = now()', 'row_version = row_version + 1'].join(', ')}
          WHERE id = $1 AND row_version = $2`,
        params,
      );
      return affected === 1;
    });
  }

  /** Clears is_default on the account's other providers; the ids it cleared (for their history). */
  async clearOtherDefaults(manager: EntityManager, accountId: number, keepId: number | null, updatedBy: number) {
    const [rows] = await manager.query(
      `UPDATE providers p
          SET is_default = false, updated_by = $3, updated_at = now(), row_version = p.row_version + 1
        WHERE p.is_default AND p.id IS DISTINCT FROM $2::int
          AND p.owner_profile_id IN (SELECT id FROM user_profiles WHERE account_id = $1)
        RETURNING p.id`,
      [accountId, keepId, updatedBy],
    );
    return (rows as { id: number }[]).map((r) => r.id);
  }

  async setApiKey(
    manager: EntityManager,
    id: number,
    ciphertext: string | null,
    last4: string | null,
    updatedBy: number,
  ): Promise<void> {
    await manager.query(
      `UPDATE providers
          SET api_key_ciphertext = $2, api_key_last4 = $3, updated_by = $4, updated_at = now(),
              row_version = row_version + 1
        WHERE id = $1`,
      [id, ciphertext, last4, updatedBy],
    );
  }

  async acceptTerms(manager: EntityManager, id: number, userId: number): Promise<Date> {
    const [[row]] = await manager.query(
      `UPDATE providers
          SET tos_accepted_at = now(), tos_accepted_by = $2, updated_by = $2, updated_at = now(),
              row_version = row_version + 1
        WHERE id = $1
        RETURNING tos_accepted_at`,
      [id, userId],
    );
    return row.tos_accepted_at;
  }

  async delete(manager: EntityManager, id: number): Promise<void> {
    await manager.query(`DELETE FROM providers WHERE id = $1`, [id]);
  }

  /** A unique violation of providers_owner_profile_name_key, raised by the database itself, is a 409. */
  private async mapNameTaken<T>(name: string, write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      const e = err as { code?: string; constraint?: string; driverError?: { code?: string; constraint?: string } };
      const code = e.driverError?.code ?? e.code;
      const constraint = e.driverError?.constraint ?? e.constraint;
      if (code === '23505' && constraint === 'providers_owner_profile_name_key') throw new ProviderNameTakenError(name);
      throw err;
    }
  }
}
