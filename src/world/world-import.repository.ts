import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { RowCounts } from './world-import-summary.js';
import { recordFieldsWithDefaults, type World } from './world.types.js';

/**
 * Bulk statements on a large world run longer than a request is allowed to; the import is
 * one transaction, so a stuck one is better cancelled by the operator than by a timer.
 */
const IMPORT_STATEMENT_TIMEOUT = '10min';

/** A profile the file no longer lists for its user, with what it still owns. */
export interface DroppedProfile {
  id: number;
  username: string;
  account_number: string;
  providers: number;
  /** The first of the providers it owns, by name, to name in a message. */
  example: string | null;
}

/** Counts from `RETURNING (xmax = 0) AS created`: true for an inserted row, false for an updated one. */
const COUNT_WRITTEN = `SELECT count(*) FILTER (WHERE created)::int AS created, count(*) FILTER (WHERE NOT created)::int AS updated FROM written`;

/**
 * The statements of one import, inside its transaction. Each upsert is one statement over
 * parallel arrays (unnest), whatever the world's size. `WHERE ... IS DISTINCT FROM` skips
 * rows whose values are already right, so their updated_at does not move and they are
 * counted as unchanged.
 */
export class WorldImportTransaction {
  constructor(private readonly db: EntityManager) {}

  upsertAccounts(world: World): Promise<RowCounts> {
    const a = world.accounts;
    return this.written(
      a.length,
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::boolean[]) AS t(account_number, name, is_platform)
       ), written AS (
         INSERT INTO accounts AS a (account_number, name, is_platform)
         SELECT account_number, name, is_platform FROM input
         ON CONFLICT (account_number) DO UPDATE
           SET name = EXCLUDED.name, is_platform = EXCLUDED.is_platform, updated_at = now()
           WHERE (a.name, a.is_platform) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.is_platform)
         RETURNING (xmax = 0) AS created
       ) ${COUNT_WRITTEN}`,
      [a.map((x) => x.accountNumber), a.map((x) => x.name), a.map((x) => x.isPlatform)],
    );
  }

  /** `hashes[i]` is the password hash to store for `world.users[i]`. */
  upsertUsers(world: World, hashes: string[]): Promise<RowCounts> {
    const u = world.users;
    return this.written(
      u.length,
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::boolean[], $5::boolean[], $6::boolean[])
           AS t(username, email, password_hash, is_superuser, is_staff, is_active)
       ), written AS (
         INSERT INTO users AS u (username, email, password_hash, is_superuser, is_staff, is_active)
         SELECT username, email, password_hash, is_superuser, is_staff, is_active FROM input
         ON CONFLICT (username) DO UPDATE
           SET email = EXCLUDED.email, password_hash = EXCLUDED.password_hash, is_superuser = EXCLUDED.is_superuser,
               is_staff = EXCLUDED.is_staff, is_active = EXCLUDED.is_active, updated_at = now()
           WHERE (u.email, u.password_hash, u.is_superuser, u.is_staff, u.is_active)
             IS DISTINCT FROM (EXCLUDED.email, EXCLUDED.password_hash, EXCLUDED.is_superuser, EXCLUDED.is_staff, EXCLUDED.is_active)
         RETURNING (xmax = 0) AS created
       ) ${COUNT_WRITTEN}`,
      [
        u.map((x) => x.username),
        u.map((x) => x.email),
        hashes,
        u.map((x) => x.isSuperuser),
        u.map((x) => x.isStaff),
        u.map((x) => x.isActive),
      ],
    );
  }

  /** The listed users' profiles in accounts that their `accounts` no longer lists. */
  droppedProfiles(world: World): Promise<DroppedProfile[]> {
    const [pairUsers, pairAccounts] = profilePairs(world);
    return this.db.query(
      `WITH wanted AS (SELECT * FROM unnest($2::text[], $3::text[]) AS t(username, account_number))
       SELECT p.id, u.username, a.account_number,
              (SELECT count(*)::int FROM providers pr WHERE pr.owner_profile_id = p.id) AS providers,
              (SELECT min(pr.name) FROM providers pr WHERE pr.owner_profile_id = p.id) AS example
         FROM user_profiles p
         JOIN users u ON u.id = p.user_id
         JOIN accounts a ON a.id = p.account_id
        WHERE u.username = ANY($1::text[])
          AND NOT EXISTS (SELECT 1 FROM wanted w WHERE w.username = u.username AND w.account_number = a.account_number)
        ORDER BY u.username, a.account_number`,
      [world.users.map((u) => u.username), pairUsers, pairAccounts],
    );
  }

  async removeProfiles(ids: number[]): Promise<number> {
    const [{ removed }]: { removed: number }[] = await this.db.query(
      `WITH gone AS (DELETE FROM user_profiles WHERE id = ANY($1::int[]) RETURNING 1) SELECT count(*)::int AS removed FROM gone`,
      [ids],
    );
    return removed;
  }

  /** Creates the listed profiles that are missing; returns how many it created. */
  async addProfiles(world: World): Promise<number> {
    const [{ created }]: { created: number }[] = await this.db.query(
      `WITH added AS (
         INSERT INTO user_profiles (user_id, account_id)
         SELECT u.id, a.id
           FROM unnest($1::text[], $2::text[]) AS t(username, account_number)
           JOIN users u ON u.username = t.username
           JOIN accounts a ON a.account_number = t.account_number
         ON CONFLICT (user_id, account_id) DO NOTHING
         RETURNING 1
       ) SELECT count(*)::int AS created FROM added`,
      profilePairs(world),
    );
    return created;
  }

  /** Upserts the providers; `matched` is how many found their owner profile. */
  async upsertProviders(world: World): Promise<{ matched: number; created: number; updated: number }> {
    const p = world.providers.map((x) => ({ ...x, ...recordFieldsWithDefaults(x) }));
    // The lock the API takes before choosing an account's default (provider-records.repository.ts),
    // taken first as there, so that an import and an API write cannot leave two defaults.
    const defaultAccounts = [...new Set(p.filter((x) => x.isDefault).map((x) => x.owner.accountNumber))];
    if (defaultAccounts.length > 0) {
      await this.db.query(
        `SELECT 1 FROM accounts WHERE account_number = ANY($1::text[]) ORDER BY id FOR NO KEY UPDATE`,
        [defaultAccounts],
      );
    }
    const [row]: { matched: number; created: number; updated: number }[] = await this.db.query(
      `WITH input AS (
         SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::boolean[],
                              $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[],
                              $15::text[], $16::text[], $17::boolean[], $18::boolean[])
           AS t(username, account_number, name, description, base_url, is_active, is_verified,
                default_model, connectivity_test_path, website_url, docs_url, terms_of_service_url,
                privacy_policy_url, contact_email, support_email, status, is_featured, is_default)
       ), matched AS (
         SELECT pf.id AS owner_profile_id, t.*
           FROM input t
           JOIN users u ON u.username = t.username
           JOIN accounts a ON a.account_number = t.account_number
           JOIN user_profiles pf ON pf.user_id = u.id AND pf.account_id = a.id
       ), written AS (
         INSERT INTO providers AS pr (${PROVIDER_COLUMNS.join(', ')})
         SELECT ${PROVIDER_COLUMNS.join(', ')} FROM matched
         ON CONFLICT (owner_profile_id, name) DO UPDATE
           SET ${UPDATED_COLUMNS.map((c) => `${c} = EXCLUDED.${c}`).join(', ')}, updated_at = now(),
               row_version = pr.row_version + 1
           WHERE (${UPDATED_COLUMNS.map((c) => `pr.${c}`).join(', ')})
             IS DISTINCT FROM (${UPDATED_COLUMNS.map((c) => `EXCLUDED.${c}`).join(', ')})
         RETURNING (xmax = 0) AS created
       )
       SELECT (SELECT count(*)::int FROM matched) AS matched,
              count(*) FILTER (WHERE created)::int AS created, count(*) FILTER (WHERE NOT created)::int AS updated
         FROM written`,
      [
        p.map((x) => x.owner.username),
        p.map((x) => x.owner.accountNumber),
        p.map((x) => x.name),
        p.map((x) => x.description),
        p.map((x) => x.baseUrl),
        p.map((x) => x.isActive),
        p.map((x) => x.isVerified),
        p.map((x) => x.defaultModel),
        p.map((x) => x.connectivityTestPath),
        p.map((x) => x.websiteUrl),
        p.map((x) => x.docsUrl),
        p.map((x) => x.termsOfServiceUrl),
        p.map((x) => x.privacyPolicyUrl),
        p.map((x) => x.contactEmail),
        p.map((x) => x.supportEmail),
        p.map((x) => x.status),
        p.map((x) => x.isFeatured),
        p.map((x) => x.isDefault),
      ],
    );
    return row;
  }

  /**
   * An account has at most one default provider: where the file names one, any other default of
   * that account (set through the API since the last import) is cleared. Returns how many were.
   */
  async clearDefaultsNotInWorld(world: World): Promise<number> {
    const defaults = world.providers.filter((x) => x.isDefault === true);
    if (defaults.length === 0) return 0;
    const [, cleared]: [unknown, number] = await this.db.query(
      `UPDATE providers pr
          SET is_default = false, updated_at = now(), row_version = pr.row_version + 1
         FROM user_profiles owner, accounts a, unnest($1::text[], $2::text[], $3::text[]) AS t(username, account_number, name)
        WHERE pr.is_default AND owner.id = pr.owner_profile_id AND a.id = owner.account_id
          AND a.account_number = t.account_number
          AND NOT EXISTS (SELECT 1 FROM users u WHERE u.id = owner.user_id AND u.username = t.username AND pr.name = t.name)`,
      [defaults.map((x) => x.owner.username), defaults.map((x) => x.owner.accountNumber), defaults.map((x) => x.name)],
    );
    return cleared;
  }

  private async written(total: number, sql: string, params: unknown[]): Promise<RowCounts> {
    const [row]: { created: number; updated: number }[] = await this.db.query(sql, params);
    return { created: row.created, updated: row.updated, unchanged: total - row.created - row.updated };
  }
}

/** The provider columns a world sets; all but the key ones are updated by a re-import. */
const UPDATED_COLUMNS = [
  'description',
  'base_url',
  'is_active',
  'is_verified',
  'default_model',
  'connectivity_test_path',
  'website_url',
  'docs_url',
  'terms_of_service_url',
  'privacy_policy_url',
  'contact_email',
  'support_email',
  'status',
  'is_featured',
  'is_default',
];
const PROVIDER_COLUMNS = ['owner_profile_id', 'name', ...UPDATED_COLUMNS];

/** Every (username, account number) pair the world lists, as two parallel arrays. */
function profilePairs(world: World): [string[], string[]] {
  const pairs = world.users.flatMap((u) => u.accounts.map((accountNumber) => [u.username, accountNumber] as const));
  return [pairs.map((p) => p[0]), pairs.map((p) => p[1])];
}

/** Every SQL of the world import, which writes accounts, users, profiles and providers at once. */
@Injectable()
export class WorldImportRepository {
  constructor(private readonly db: DataSource) {}

  /** The stored password hash of each of these usernames that exists. */
  async storedPasswordHashes(usernames: string[]): Promise<Map<string, string>> {
    const rows: { username: string; password_hash: string }[] = await this.db.query(
      `SELECT username, password_hash FROM users WHERE username = ANY($1::text[])`,
      [usernames],
    );
    return new Map(rows.map((r) => [r.username, r.password_hash]));
  }

  /**
   * Runs `write` in one transaction, holding the import lock: two imports at once would both
   * see a profile as removable or absent, so they take turns.
   */
  transaction<T>(write: (tx: WorldImportTransaction) => Promise<T>): Promise<T> {
    return this.db.transaction(async (db) => {
      await db.query(`SELECT set_config('statement_timeout', $1, true)`, [IMPORT_STATEMENT_TIMEOUT]);
      await db.query(`SELECT pg_advisory_xact_lock(hashtext('providers-service:world-import'))`);
      return write(new WorldImportTransaction(db));
    });
  }

  /** Planner statistics for the tables an import writes. */
  async analyze(): Promise<void> {
    await this.db.transaction(async (db) => {
      await db.query(`SELECT set_config('statement_timeout', $1, true)`, [IMPORT_STATEMENT_TIMEOUT]);
      await db.query('ANALYZE accounts, users, user_profiles, providers');
    });
  }
}
