import fc from 'fast-check';
import pg from 'pg';
import { loadConfig } from '../src/config/app-config.js';
import { DataChangesService } from '../src/database/data-changes.service.js';
import { AccessRepository } from '../src/permissions/access.repository.js';
import { readScope } from '../src/permissions/access-scopes.js';
import { PermissionsService } from '../src/permissions/permissions.service.js';
import { ProvidersCache } from '../src/providers/providers-cache.js';
import { ProvidersRepository } from '../src/providers/providers.repository.js';
import { UsersRepository } from '../src/users/users.repository.js';
import { demoLogins, readDemoWorld } from '../src/world/demo-world.service.js';
import { WorldImportRepository } from '../src/world/world-import.repository.js';
import { WorldImportService } from '../src/world/world-import.service.js';
import { insertRowWorld, rowWorldArbitrary } from './support/random-world.js';
import { emptyTables, migratedDataSource, type MigratedDataSource } from './support/test-database.js';

/**
 * Three places restate `provider.read` (src/permissions/access-scopes.ts) for another purpose:
 * the cache's invalidation scope (providers-cache.ts), the NOTIFY triggers (the
 * ChangeNotifications migration) and the demo world's log of who reads what
 * (demo-world.service.ts). Each is checked here against the rule's own SQL.
 */

/** A change of the kind anyone (the import, psql) can make, with indexes taken modulo what exists. */
const changeArbitrary = fc.record({
  kind: fc.constantFrom(
    'insert provider',
    'rename provider',
    'delete provider',
    'move provider',
    'deactivate provider',
    'add profile',
    'delete profile',
    'move profile',
    'flip platform',
    'set user flags',
  ),
  i: fc.nat(),
  j: fc.nat(),
  flag: fc.boolean(),
});
type Change = typeof changeArbitrary extends fc.Arbitrary<infer T> ? T : never;

describe('what restates the read rule agrees with it', () => {
  let database: MigratedDataSource;
  let providers: ProvidersRepository;

  beforeAll(async () => {
    database = await migratedDataSource({ poolSize: 3, statementTimeoutMs: 30_000 });
    if (database.db.embedded)
      throw new Error('the triggers need a PostgreSQL server (LISTEN/NOTIFY on a second connection)');
    providers = new ProvidersRepository(database.ds);
  });
  afterAll(async () => {
    await database?.close();
  });

  describe('the NOTIFY triggers and the cache scope', () => {
    let listener: pg.Client;
    let other: pg.Client; // "a psql session": changes made behind the service's back
    let cache: ProvidersCache;
    const heard: string[] = [];
    let markers = 0;

    beforeAll(async () => {
      listener = new pg.Client({ connectionString: database.db.url });
      other = new pg.Client({ connectionString: database.db.url });
      await listener.connect();
      await other.connect();
      listener.on('notification', (n) => heard.push(n.payload ?? ''));
      await listener.query('LISTEN providers_changes');
      // Only its scope is used: no cache is kept, nothing listens through the service.
      const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: database.db.url, PROVIDERS_CACHE: 'off' });
      cache = new ProvidersCache(config, new DataChangesService(database.ds, config), new UsersRepository(database.ds));
    });
    afterAll(async () => {
      await listener?.end();
      await other?.end();
    });

    /**
     * The notifications of every change committed since the last call. Notifications arrive in
     * commit order, so once a marker sent after the change is heard, all of the change's are.
     */
    async function notificationsSoFar(): Promise<string[]> {
      const marker = `test-marker:${++markers}`;
      await other.query('SELECT pg_notify($1, $2)', ['providers_changes', marker]);
      const deadline = Date.now() + 5000;
      while (!heard.includes(marker)) {
        if (Date.now() > deadline) throw new Error(`${marker} not heard within 5 s`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return heard.splice(0).filter((p) => p !== marker);
    }

    /** Every user's list as the endpoint builds it (rows, so a rename counts), and the cache scope it would be kept under. */
    async function answers() {
      const users: { id: number; is_superuser: boolean; is_active: boolean }[] = await database.ds.query(
        'SELECT id, is_superuser, is_active FROM users ORDER BY id',
      );
      const out = new Map<number, { list: string; scope: Awaited<ReturnType<ProvidersCache['scopeFor']>> }>();
      for (const u of users) {
        const subject = { id: u.id, isSuperuser: u.is_superuser, isActive: u.is_active };
        out.set(u.id, {
          list: JSON.stringify(await providers.findMini(readScope(subject))),
          scope: await cache.scopeFor(subject),
        });
      }
      return out;
    }

    const pick = <T>(rows: T[], n: number): T | undefined => (rows.length ? rows[n % rows.length] : undefined);
    const ids = async (sql: string): Promise<number[]> =>
      ((await other.query(sql)).rows as { id: number }[]).map((r) => r.id);

    async function apply(change: Change): Promise<void> {
      const { kind, i, j, flag } = change;
      const provider = pick(await ids('SELECT id FROM providers ORDER BY id'), i);
      const profile = pick(await ids('SELECT id FROM user_profiles ORDER BY id'), kind === 'move provider' ? j : i);
      const account = pick(await ids('SELECT id FROM accounts ORDER BY id'), j);
      const user = pick(await ids('SELECT id FROM users ORDER BY id'), i);
      const run = (sql: string, params: unknown[]) => other.query(sql, params);
      switch (kind) {
        case 'insert provider':
          if (profile)
            await run(`INSERT INTO providers (owner_profile_id, name) VALUES ($1, $2)`, [profile, `new-${markers}`]);
          return;
        case 'rename provider':
          if (provider) await run(`UPDATE providers SET name = name || '!' WHERE id = $1`, [provider]);
          return;
        case 'delete provider':
          if (provider) await run(`DELETE FROM providers WHERE id = $1`, [provider]);
          return;
        case 'move provider':
          if (provider && profile)
            await run(`UPDATE providers SET owner_profile_id = $2 WHERE id = $1`, [provider, profile]);
          return;
        case 'deactivate provider':
          if (provider) await run(`UPDATE providers SET is_active = NOT is_active WHERE id = $1`, [provider]);
          return;
        case 'add profile':
          if (user && account) {
            await run(`INSERT INTO user_profiles (user_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
              user,
              account,
            ]);
          }
          return;
        case 'delete profile':
          // Providers hold on to their owner profile (RESTRICT): only a profile that owns none goes.
          if (profile) {
            await run(
              `DELETE FROM user_profiles p WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM providers WHERE owner_profile_id = p.id)`,
              [profile],
            );
          }
          return;
        case 'move profile':
          if (profile && account) {
            await run(
              `UPDATE user_profiles p SET account_id = $2 WHERE id = $1
                 AND NOT EXISTS (SELECT 1 FROM user_profiles q WHERE q.user_id = p.user_id AND q.account_id = $2)`,
              [profile, account],
            );
          }
          return;
        case 'flip platform':
          if (account) await run(`UPDATE accounts SET is_platform = NOT is_platform WHERE id = $1`, [account]);
          return;
        case 'set user flags':
          if (user)
            await run(`UPDATE users SET is_superuser = $2, is_active = $3 WHERE id = $1`, [user, flag, i % 3 !== 0]);
          return;
      }
    }

    it('every change that alters someone’s list is announced to a cache entry kept under that user’s scope', async () => {
      await fc.assert(
        fc.asyncProperty(
          rowWorldArbitrary,
          fc.array(changeArbitrary, { minLength: 1, maxLength: 4 }),
          async (world, changes) => {
            await insertRowWorld(database, world);
            await notificationsSoFar();
            for (const change of changes) {
              const before = await answers();
              await apply(change);
              const announced = await notificationsSoFar();
              const after = await answers();
              for (const [userId, was] of before) {
                if (after.get(userId)?.list === was.list) continue;
                // What ChangeAwareCache and ProvidersCache do with each payload (see parseChange).
                const dropsEntry = announced.some((payload) => {
                  const [kind, id] = payload.split(':');
                  if (kind === 'user') return Number(id) === userId;
                  if (kind === 'account') return was.scope === 'all' || was.scope.has(Number(id));
                  return true;
                });
                expect({ change, userId, announced, dropsEntry }).toEqual({
                  change,
                  userId,
                  announced,
                  dropsEntry: true,
                });
              }
            }
          },
        ),
        { numRuns: 60 },
      );
    }, 120_000);

    it('announces no more than the lists need: a rename its account, a column no list format shows (verified_at) nothing', async () => {
      await insertRowWorld(database, {
        accounts: [{ isPlatform: false }, { isPlatform: false }],
        users: [
          { isSuperuser: false, isActive: true, accounts: [0] },
          { isSuperuser: false, isActive: true, accounts: [1] },
        ],
        providers: [{ owner: [0, 0], baseUrl: null }],
      });
      await notificationsSoFar();
      const [{ id }] = (await other.query(`SELECT id FROM providers`)).rows;
      await other.query(`UPDATE providers SET name = 'renamed' WHERE id = $1`, [id]);
      const owner = (
        await other.query(
          `SELECT up.account_id FROM providers p JOIN user_profiles up ON up.id = p.owner_profile_id WHERE p.id = $1`,
          [id],
        )
      ).rows[0].account_id;
      await expect(notificationsSoFar()).resolves.toEqual([`account:${owner}`]);
      // A deactivation is announced too: the Smarter format shows isActive (1765000000000-SmarterListChanges).
      await other.query(`UPDATE providers SET is_active = false WHERE id = $1`, [id]);
      await expect(notificationsSoFar()).resolves.toEqual([`account:${owner}`]);
      await other.query(`UPDATE providers SET verified_at = now() WHERE id = $1`, [id]);
      await expect(notificationsSoFar()).resolves.toEqual([]);
    });
  });

  it("the demo world's log of who reads what is what checkAccess answers", async () => {
    await emptyTables(database.ds, database.db);
    const world = await readDemoWorld();
    await new WorldImportService(new WorldImportRepository(database.ds)).importWorld(world);
    const permissions = new PermissionsService(new AccessRepository(database.ds));
    const providerIds = ((await database.ds.query('SELECT id FROM providers')) as { id: number }[]).map((r) => r.id);
    const logged: Record<string, number> = {};
    const answered: Record<string, number> = {};
    for (const login of demoLogins(world)) {
      const count = /\((\d+)\)$/.exec(login.shows)?.[1] ?? /reads the (\d+) platform providers/.exec(login.shows)?.[1];
      logged[login.username] = count !== undefined ? Number(count) : login.shows.includes('reads nothing') ? 0 : NaN;
      const [u] = await database.ds.query(
        'SELECT id, is_superuser, is_staff, is_active FROM users WHERE username = $1',
        [login.username],
      );
      const subject = { id: u.id, isSuperuser: u.is_superuser, isStaff: u.is_staff, isActive: u.is_active };
      answered[login.username] = (await permissions.checkAccess(subject, 'provider.read', providerIds)).size;
    }
    expect(logged).toEqual(answered);
    // Every case of the rule is shown, so the comparison is not of zeros.
    expect(new Set(Object.values(answered)).size).toBeGreaterThanOrEqual(4);
  });
});
