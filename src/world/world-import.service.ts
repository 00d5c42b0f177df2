import { Injectable } from '@nestjs/common';
import { HASHING_CONCURRENCY, hashPassword, mapConcurrently, verifyPassword } from '../auth/password-hashing.js';
import type { ImportSummary, RowCounts } from './world-import-summary.js';
import { WorldImportRepository, type DroppedProfile, type WorldImportTransaction } from './world-import.repository.js';
import { ProblemList, validateWorld } from './world-validation.js';
import type { World, WorldProblem } from './world.types.js';

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
 * Imports world files: accounts, users, their profiles and providers, matched on their
 * natural keys (account number, username, owner profile + provider name) so that importing
 * the same file again changes nothing. docs/world-format.md describes the rules; the SQL is
 * in WorldImportRepository.
 */
@Injectable()
export class WorldImportService {
  constructor(private readonly repository: WorldImportRepository) {}

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
    const counts = await this.repository.transaction(async (tx) => {
      const accounts = await tx.upsertAccounts(world);
      const users = await tx.upsertUsers(world, hashes.values);
      const profiles = await syncProfiles(tx, world);
      const providers = await upsertProviders(tx, world);
      return { accounts, users, profiles, providers };
    });
    // Planner statistics for what was just written: without them (a new database, or a
    // server with autovacuum off or not yet around to it) PostgreSQL plans the read query
    // as a scan of every provider, 30-50 ms at 100,000 instead of 1 ms.
    progress('Updating planner statistics');
    try {
      await this.repository.analyze();
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
    const stored = await this.repository.storedPasswordHashes(world.users.map((u) => u.username));
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

/**
 * A listed user's `accounts` is the whole set of their profiles: missing ones are created and
 * the others removed. A profile that still owns providers is never removed (that would take
 * providers the file does not mention with it): the import is rejected instead.
 */
async function syncProfiles(tx: WorldImportTransaction, world: World): Promise<ImportSummary['profiles']> {
  const dropped = await tx.droppedProfiles(world);
  const owning = dropped.filter((d) => d.providers > 0);
  if (owning.length) throw profilesStillOwning(world, owning);
  const removed = await tx.removeProfiles(dropped.map((d) => d.id));
  const created = await tx.addProfiles(world);
  const listed = world.users.reduce((n, u) => n + u.accounts.length, 0);
  return { created, removed, unchanged: listed - created };
}

function profilesStillOwning(world: World, owning: DroppedProfile[]): WorldRejectedError {
  const userAt = new Map(world.users.map((u, i) => [u.username, i]));
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
  return new WorldRejectedError(problems, omitted);
}

async function upsertProviders(tx: WorldImportTransaction, world: World): Promise<RowCounts> {
  const total = world.providers.length;
  const row = await tx.upsertProviders(world);
  await tx.clearDefaultsNotInWorld(world);
  // Validation guarantees every owner profile exists by now; a provider silently skipped
  // would be a bug here, so the transaction is abandoned rather than committed short.
  if (row.matched !== total) {
    throw new Error(`world import: ${total - row.matched} providers found no owner profile; nothing was imported`);
  }
  return { created: row.created, updated: row.updated, unchanged: total - row.created - row.updated };
}
