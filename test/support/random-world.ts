import fc from 'fast-check';
import { emptyTables, type MigratedDataSource } from './test-database.js';

/** A small world as plain rows, independent of the import code, for property tests of the rule. */
export interface RowWorld {
  accounts: { isPlatform: boolean }[];
  users: { isSuperuser: boolean; isStaff?: boolean; isActive: boolean; accounts: number[] }[];
  /** owner = [user index, account index], always one of that user's accounts. */
  providers: { owner: [number, number]; baseUrl: string | null; isActive?: boolean }[];
}

export const rowWorldArbitrary: fc.Arbitrary<RowWorld> = fc
  .record({
    accounts: fc.array(fc.record({ isPlatform: fc.integer({ min: 0, max: 5 }).map((n) => n === 0) }), {
      minLength: 1,
      maxLength: 6,
    }),
    users: fc.array(
      fc.record({
        isSuperuser: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
        isStaff: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
        isActive: fc.integer({ min: 0, max: 9 }).map((n) => n !== 0),
        accounts: fc.uniqueArray(fc.nat(5), { maxLength: 3 }),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    providerSeeds: fc.array(
      fc.tuple(
        fc.nat(),
        fc.boolean(),
        fc.integer({ min: 0, max: 3 }).map((n) => n !== 0),
      ),
      { maxLength: 25 },
    ),
  })
  .map(({ accounts, users, providerSeeds }) => {
    const fixed = users.map((u) => ({ ...u, accounts: u.accounts.filter((a) => a < accounts.length) }));
    const profiles = fixed.flatMap((u, ui) => u.accounts.map((a) => [ui, a] as [number, number]));
    const providers = profiles.length
      ? providerSeeds.map(([i, hasUrl, isActive]) => ({
          owner: profiles[i % profiles.length],
          baseUrl: hasUrl ? 'https://llm.example.test/v1' : null,
          isActive,
        }))
      : [];
    return { accounts, users: fixed, providers };
  });

/** The read rule, written independently of the SQL: returns provider indexes per user index. */
export function expectedReadable(world: RowWorld): number[][] {
  return world.users.map((u) => {
    if (!u.isActive) return [];
    if (u.isSuperuser) return world.providers.map((_, i) => i);
    if (u.accounts.length === 0) return [];
    const visible = new Set([...u.accounts, ...world.accounts.flatMap((a, i) => (a.isPlatform ? [i] : []))]);
    return world.providers.flatMap((p, i) => (visible.has(p.owner[1]) ? [i] : []));
  });
}

/**
 * Replaces the database's contents with the world; returns the ids given to its rows (profiles
 * keyed by `${user index}/${account index}`).
 */
export async function insertRowWorld(
  { db, ds }: Pick<MigratedDataSource, 'db' | 'ds'>,
  world: RowWorld,
): Promise<{ accountIds: number[]; userIds: number[]; providerIds: number[]; profileIds: Map<string, number> }> {
  return ds.transaction(async (tx) => {
    await emptyTables(tx, db);
    const accountIds: number[] = [];
    for (const [i, a] of world.accounts.entries()) {
      const [row] = await tx.query(
        `INSERT INTO accounts (account_number, name, is_platform) VALUES ($1, $1, $2) RETURNING id`,
        [`acct-${i}`, a.isPlatform],
      );
      accountIds.push(row.id);
    }
    const userIds: number[] = [];
    const profileIds = new Map<string, number>();
    for (const [i, u] of world.users.entries()) {
      const [row] = await tx.query(
        `INSERT INTO users (username, password_hash, is_superuser, is_staff, is_active) VALUES ($1, 'x', $2, $3, $4) RETURNING id`,
        [`user-${i}`, u.isSuperuser, u.isStaff ?? false, u.isActive],
      );
      userIds.push(row.id);
      for (const a of u.accounts) {
        const [p] = await tx.query(`INSERT INTO user_profiles (user_id, account_id) VALUES ($1, $2) RETURNING id`, [
          row.id,
          accountIds[a],
        ]);
        profileIds.set(`${i}/${a}`, p.id);
      }
    }
    const providerIds: number[] = [];
    for (const [i, p] of world.providers.entries()) {
      const [row] = await tx.query(
        `INSERT INTO providers (owner_profile_id, name, base_url, is_active) VALUES ($1, $2, $3, $4) RETURNING id`,
        [profileIds.get(`${p.owner[0]}/${p.owner[1]}`), `provider-${i}`, p.baseUrl, p.isActive ?? true],
      );
      providerIds.push(row.id);
    }
    return { accountIds, userIds, providerIds, profileIds };
  });
}
