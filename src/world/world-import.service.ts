import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { HASHING_CONCURRENCY, hashPassword, mapConcurrently, verifyPassword } from '../auth/password-hashing.js';
import { ProblemList, validateWorld } from './world-validation.js';
import type { World, WorldProblem } from './world.types.js';

export interface RowCounts {
  created: number;
  updated: number;
  unchanged: number;
}

export interface ImportSummary {
  accounts: RowCounts;
  users: RowCounts;
  profiles: { created: number; removed: number; unchanged: number };
  providers: RowCounts;
  /** Passwords hashed anew, those whose stored hash already matched and was kept, and the time it took. */
  passwords: { hashed: number; kept: number; elapsedMs: number };
  elapsedMs: number;
}

export interface ImportOptions {
  /** Told what the import is doing, for a command line that would otherwise sit silent. */
  onProgress?: (message: string) => void;
}

/** The world was not imported because of these problems; nothing was written. */
export class WorldRejectedError extends Error {
  readonly code = 'WORLD_REJECTED';

  constructor(
    readonly problems: WorldProblem[],
    /** Problems found beyond those listed. */
    readonly omitted = 0,
  ) {
    super(
      [
        `The world was rejected (${problems.length + omitted} problem${problems.length + omitted === 1 ? '' : 's'}); nothing was imported:`,
        ...problems.map((p) => `  ${p.path}: ${p.message}`),
        ...(omitted ? [`  ... and ${omitted} more`] : []),
      ].join('\n'),
    );
    this.name = 'WorldRejectedError';
  }
}

/**
 * Bulk statements on a large world run longer than a request is allowed to; the import is
 * one transaction, so a stuck one is better cancelled by the operator than by a timer.
 */
const IMPORT_STATEMENT_TIMEOUT = '10min';

/**
 * Imports world files: accounts, users, their profiles and providers, matched on their
 * natural keys (account number, username, owner profile + provider name) so that importing
 * the same file again changes nothing. docs/world-format.md describes the rules.
 */
@Injectable()
export class WorldImportService {
  constructor(private readonly dataSource: DataSource) {}

  /**
   * Validates `input` (a parsed world file) and imports it in one transaction. Throws
   * WorldRejectedError, having written nothing, when the file or its fit with the database
   * is wrong.
   */
  async importWorld(input: unknown, options: ImportOptions = {}): Promise<ImportSummary> {
    const validation = validateWorld(input);
    if (!validation.valid) throw new WorldRejectedError(validation.problems, validation.omitted);
    return this.importValidated(validation.world, options);
  }

  /** importWorld for a world that validateWorld has already accepted (and normalised). */
  async importValidated(world: World, options: ImportOptions = {}): Promise<ImportSummary> {
    const started = performance.now();
    const progress = options.onProgress ?? (() => {});

    // Hashing is most of an import's time, so it happens before the transaction opens:
    // the transaction stays short. Whatever happens meanwhile, each user ends up with a
    // hash of the password in the file.
    progress(`Checking ${world.users.length} passwords (argon2id, ${HASHING_CONCURRENCY} at a time)`);
    const hashingStarted = performance.now();
    const hashes = await this.passwordHashes(world);
    const passwords = {
      hashed: hashes.hashed,
      kept: world.users.length - hashes.hashed,
      elapsedMs: performance.now() - hashingStarted,
    };

    progress('Writing accounts, users, profiles and providers');
    const counts = await this.dataSource.transaction(async (db) => {
      await db.query(`SELECT set_config('statement_timeout', $1, true)`, [IMPORT_STATEMENT_TIMEOUT]);
      // Two imports at once would both see a profile as removable or absent; take turns.
      await db.query(`SELECT pg_advisory_xact_lock(hashtext('providers-service:world-import'))`);
      const accounts = await upsertAccounts(db, world);
      const users = await upsertUsers(db, world, hashes.values);
      const profiles = await syncProfiles(db, world);
      const providers = await upsertProviders(db, world);
      return { accounts, users, profiles, providers };
    });
    // Planner statistics for what was just written: without them (a new database, or a
    // server with autovacuum off or not yet around to it) PostgreSQL plans the read query
    // as a scan of every provider, 30-50 ms at 100,000 instead of 1 ms.
    progress('Updating planner statistics');
    try {
      await this.dataSource.transaction(async (db) => {
        await db.query(`SELECT set_config('statement_timeout', $1, true)`, [IMPORT_STATEMENT_TIMEOUT]);
        await db.query('ANALYZE accounts, users, user_profiles, providers');
      });
    } catch (err) {
      // The world is committed by now: failing here would report an import that happened as
      // one that did not. Stale statistics cost speed only until autovacuum comes round.
      progress(`Could not update planner statistics (${(err as Error).message}); autovacuum will`);
    }
    return { ...counts, passwords, elapsedMs: performance.now() - started };
  }

  /**
   * The hash to store for each user: the stored one when it still matches the file's
   * password (so re-importing leaves it alone), otherwise a new one.
   */
  private async passwordHashes(world: World): Promise<{ values: string[]; hashed: number }> {
    const rows: { username: string; password_hash: string }[] = await this.dataSource.query(
      `SELECT username, password_hash FROM users WHERE username = ANY($1::text[])`,
      [world.users.map((u) => u.username)],
    );
    const stored = new Map(rows.map((r) => [r.username, r.password_hash]));
    let hashed = 0;
    const values = await mapConcurrently(world.users, HASHING_CONCURRENCY, async (user) => {
      const current = stored.get(user.username);
      if (current !== undefined && (await verifyPassword(current, user.password))) return current;
      hashed++;
      return hashPassword(user.password);
    });
    return { values, hashed };
  }
}

/** Counts from `RETURNING (xmax = 0) AS created`: true for an inserted row, false for an updated one. */
const COUNT_WRITTEN = `SELECT count(*) FILTER (WHERE created)::int AS created, count(*) FILTER (WHERE NOT created)::int AS updated FROM written`;

async function written(db: EntityManager, total: number, sql: string, params: unknown[]): Promise<RowCounts> {
  const [row]: { created: number; updated: number }[] = await db.query(sql, params);
  return { created: row.created, updated: row.updated, unchanged: total - row.created - row.updated };
}

// Each upsert is one statement over parallel arrays (unnest), whatever the world's size.
// `WHERE ... IS DISTINCT FROM` skips rows whose values are already right, so their
// updated_at does not move and they are counted as unchanged.

function upsertAccounts(db: EntityManager, world: World): Promise<RowCounts> {
  const a = world.accounts;
  return written(
    db,
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

function upsertUsers(db: EntityManager, world: World, hashes: string[]): Promise<RowCounts> {
  const u = world.users;
  return written(
    db,
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
    [u.map((x) => x.username), u.map((x) => x.email), hashes, u.map((x) => x.isSuperuser), u.map((x) => x.isStaff), u.map((x) => x.isActive)],
  );
}

/**
 * A listed user's `accounts` is the whole set of their profiles: missing ones are created and
 * the others removed. A profile that still owns providers is never removed (that would take
 * providers the file does not mention with it): the import is rejected instead.
 */
async function syncProfiles(db: EntityManager, world: World): Promise<ImportSummary['profiles']> {
  const usernames = world.users.map((u) => u.username);
  const pairs = world.users.flatMap((u) => u.accounts.map((accountNumber) => [u.username, accountNumber] as const));
  const pairParams = [pairs.map((p) => p[0]), pairs.map((p) => p[1])];

  const dropped: { id: number; username: string; account_number: string; providers: number; example: string | null }[] =
    await db.query(
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
      [usernames, ...pairParams],
    );

  const owning = dropped.filter((d) => d.providers > 0);
  if (owning.length) {
    const userAt = new Map(usernames.map((name, i) => [name, i]));
    const list = new ProblemList();
    for (const d of owning) {
      list.add(
        `users[${userAt.get(d.username)}].accounts`,
        `does not list account ${JSON.stringify(d.account_number)}, but ${JSON.stringify(d.username)}'s profile there ` +
          `owns ${d.providers} provider${d.providers === 1 ? '' : 's'} (e.g. ${JSON.stringify(d.example)}) and ` +
          'import never deletes providers: keep the account in the list, or move or delete those providers first',
      );
    }
    const { problems, omitted } = list.result();
    throw new WorldRejectedError(problems, omitted);
  }

  const [{ removed }]: { removed: number }[] = await db.query(
    `WITH gone AS (DELETE FROM user_profiles WHERE id = ANY($1::int[]) RETURNING 1) SELECT count(*)::int AS removed FROM gone`,
    [dropped.map((d) => d.id)],
  );
  const [{ created }]: { created: number }[] = await db.query(
    `WITH added AS (
       INSERT INTO user_profiles (user_id, account_id)
       SELECT u.id, a.id
         FROM unnest($1::text[], $2::text[]) AS t(username, account_number)
         JOIN users u ON u.username = t.username
         JOIN accounts a ON a.account_number = t.account_number
       ON CONFLICT (user_id, account_id) DO NOTHING
       RETURNING 1
     ) SELECT count(*)::int AS created FROM added`,
    pairParams,
  );
  return { created, removed, unchanged: pairs.length - created };
}

async function upsertProviders(db: EntityManager, world: World): Promise<RowCounts> {
  const p = world.providers;
  const [row]: { matched: number; created: number; updated: number }[] = await db.query(
    `WITH input AS (
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::boolean[], $7::boolean[])
         AS t(username, account_number, name, description, base_url, is_active, is_verified)
     ), matched AS (
       SELECT pf.id AS owner_profile_id, t.name, t.description, t.base_url, t.is_active, t.is_verified
         FROM input t
         JOIN users u ON u.username = t.username
         JOIN accounts a ON a.account_number = t.account_number
         JOIN user_profiles pf ON pf.user_id = u.id AND pf.account_id = a.id
     ), written AS (
       INSERT INTO providers AS pr (owner_profile_id, name, description, base_url, is_active, is_verified)
       SELECT owner_profile_id, name, description, base_url, is_active, is_verified FROM matched
       ON CONFLICT (owner_profile_id, name) DO UPDATE
         SET description = EXCLUDED.description, base_url = EXCLUDED.base_url, is_active = EXCLUDED.is_active,
             is_verified = EXCLUDED.is_verified, updated_at = now()
         WHERE (pr.description, pr.base_url, pr.is_active, pr.is_verified)
           IS DISTINCT FROM (EXCLUDED.description, EXCLUDED.base_url, EXCLUDED.is_active, EXCLUDED.is_verified)
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
    ],
  );
  // Validation guarantees every owner profile exists by now; a provider silently skipped
  // would be a bug here, so the transaction is abandoned rather than committed short.
  if (row.matched !== p.length) {
    throw new Error(`world import: ${p.length - row.matched} providers found no owner profile; nothing was imported`);
  }
  return { created: row.created, updated: row.updated, unchanged: p.length - row.created - row.updated };
}

/** A few lines for a person: what an import did, and how long it took. */
export function formatSummary(s: ImportSummary): string {
  const rows = (c: RowCounts) => `${c.created} created, ${c.updated} updated, ${c.unchanged} unchanged`;
  return [
    `  accounts   ${rows(s.accounts)}`,
    `  users      ${rows(s.users)}  (passwords: ${s.passwords.hashed} hashed, ${s.passwords.kept} kept, in ${seconds(s.passwords.elapsedMs)})`,
    `  profiles   ${s.profiles.created} created, ${s.profiles.removed} removed, ${s.profiles.unchanged} unchanged`,
    `  providers  ${rows(s.providers)}`,
    `  in ${seconds(s.elapsedMs)}`,
  ].join('\n');
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
