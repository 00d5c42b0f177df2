import { cachedProviders } from './support/cached-providers.js';
import fc from 'fast-check';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { DataChangesService, type DataChange } from '../src/database/data-changes.service.js';
import { readScope, type ReadSubject } from '../src/permissions/access-scopes.js';
import { serializeProvidersList } from '../src/providers/dto/provider-mini.serializer.js';
import { serializeSmarterList } from '../src/providers/dto/provider-smarter.serializer.js';
import { composeList, fragmentOf, ProvidersCache } from '../src/providers/providers-cache.js';
import { ProvidersRepository } from '../src/providers/providers.repository.js';
import { ProvidersService } from '../src/providers/providers.service.js';
import { Factories } from './support/factories.js';
import { migratedDataSource, type MigratedDataSource } from './support/test-database.js';

describe('composeList', () => {
  it('merges disjoint fragments by id into exactly the serializer’s bytes', () => {
    const row = (id: number) => ({ id, name: `p"${id}✓`, base_url: id % 3 ? null : `https://x.test/${id}` });
    fc.assert(
      fc.property(
        fc.array(fc.uniqueArray(fc.integer({ min: 1, max: 500 }), { maxLength: 30 }), { maxLength: 5 }),
        (sets) => {
          // Each id in the first fragment that has it: fragments are disjoint, as accounts' are.
          const seen = new Set<number>();
          const parts = sets.map((ids) => ids.filter((id) => !seen.has(id) && seen.add(id)).sort((a, b) => a - b));
          const fragments = parts.map((ids) =>
            fragmentOf(
              ids,
              ids.map((id) => serializeProvidersList([row(id)]).slice('{"providers":['.length, -2)),
            ),
          );
          const all = [...seen].sort((a, b) => a - b).map(row);
          expect(composeList(fragments).toString()).toBe(serializeProvidersList(all));
        },
      ),
    );
  });
});

/**
 * Random sequences of changes made behind the service's back (a "psql session"), each
 * followed by reads of every user: once the change's notification has been seen, every
 * answer composed from the cache's fragments is byte for byte what the list query says.
 * Reads fired while the notification is still on its way exercise the ticket (a fill read
 * before a change must not be kept).
 */
describe.each(['mini', 'smarter'] as const)('composed answers equal the query after random changes (%s)', (format) => {
  let database: MigratedDataSource;
  let ds: DataSource;
  let other: pg.Client;
  let changes: DataChangesService;
  let service: ProvidersService;
  let repo: ProvidersRepository;
  let cache: ProvidersCache;
  let sentinels = 0;

  const read = async (user: ReadSubject): Promise<string> => {
    const body = await service.listReadable(user);
    return (Buffer.isBuffer(body) ? body : Buffer.concat(await body.toArray())).toString();
  };
  const fresh = async (user: ReadSubject) =>
    format === 'mini'
      ? serializeProvidersList(await repo.findMini(readScope(user)))
      : serializeSmarterList(await repo.findSmarter(readScope(user)));
  const subjects = async (): Promise<ReadSubject[]> =>
    (
      await other.query<{ id: number; is_superuser: boolean; is_active: boolean }>(
        'SELECT id, is_superuser, is_active FROM users ORDER BY id',
      )
    ).rows.map((u) => ({ id: u.id, isSuperuser: u.is_superuser, isActive: u.is_active }));
  const ids = async (table: string): Promise<number[]> =>
    (await other.query<{ id: number }>(`SELECT id FROM ${table} ORDER BY id`)).rows.map((r) => r.id);

  /**
   * Notifications arrive in commit order: once a marker sent after the change is seen, so has
   * every notification of the change (the cache subscribed first, so it has acted on them).
   */
  const changesSeen = async () => {
    const marker = -++sentinels;
    const seen = new Promise<void>((resolve) => {
      const off = changes.subscribe((c: DataChange) => {
        if (c.kind === 'user' && c.userId === marker) {
          off();
          resolve();
        }
      });
    });
    await other.query(`SELECT pg_notify('providers_changes', 'user:' || $1::text)`, [marker]);
    await seen;
  };

  const pick = <T>(xs: readonly T[], n: number): T | undefined => (xs.length ? xs[n % xs.length] : undefined);

  type Step = { kind: number; a: number; b: number };
  const apply = async ({ kind, a, b }: Step) => {
    const [users, accounts, profiles, providers] = [
      await ids('users'),
      await ids('accounts'),
      await ids('user_profiles'),
      await ids('providers'),
    ];
    const tag = `${Date.now().toString(36)}${Math.random().toString(36).slice(2, 6)}`;
    switch (kind) {
      case 0:
        if (pick(profiles, a) !== undefined)
          await other.query(`INSERT INTO providers (owner_profile_id, name) VALUES ($1, $2)`, [pick(profiles, a), tag]);
        break;
      case 1:
        await other.query(`UPDATE providers SET name = $2, base_url = NULLIF($3, '') WHERE id = $1`, [
          pick(providers, a),
          tag,
          b % 2 ? `https://${tag}.test` : '',
        ]);
        break;
      case 2:
        await other.query(`DELETE FROM providers WHERE id = $1`, [pick(providers, a)]);
        break;
      case 3:
        await other.query(
          `UPDATE user_profiles p SET account_id = $2 WHERE id = $1
             AND NOT EXISTS (SELECT 1 FROM user_profiles q WHERE q.user_id = p.user_id AND q.account_id = $2)`,
          [pick(profiles, a), pick(accounts, b)],
        );
        break;
      case 4:
        await other.query(`INSERT INTO user_profiles (user_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`, [
          pick(users, a),
          pick(accounts, b),
        ]);
        break;
      case 5:
        await other.query(
          `DELETE FROM user_profiles p WHERE id = $1 AND NOT EXISTS (SELECT 1 FROM providers WHERE owner_profile_id = p.id)`,
          [pick(profiles, a)],
        );
        break;
      case 6:
        await other.query(`UPDATE accounts SET is_platform = NOT is_platform WHERE id = $1`, [pick(accounts, a)]);
        break;
      case 7:
        await other.query(`UPDATE users SET is_superuser = NOT is_superuser WHERE id = $1`, [pick(users, a)]);
        break;
      case 8:
        await other.query(`UPDATE users SET username = $2::text, email = $2::text || '@x.test' WHERE id = $1`, [
          pick(users, a),
          tag,
        ]);
        break;
      default:
        await other.query(`UPDATE providers SET description = $2 WHERE id = $1`, [pick(providers, a), tag]);
    }
  };

  beforeAll(async () => {
    database = await migratedDataSource({ poolSize: 4, statementTimeoutMs: 10_000 });
    ds = database.ds;
    if (database.db.embedded) throw new Error('the cache needs a PostgreSQL server (LISTEN/NOTIFY)');
    other = new pg.Client({ connectionString: database.db.url });
    await other.connect();
    const f = new Factories(ds);
    const accounts = [await f.account({ isPlatform: true }), await f.account(), await f.account(), await f.account()];
    const users = [await f.user({ isSuperuser: true })];
    for (let i = 0; i < 5; i++) users.push(await f.user({ isActive: i !== 4 }));
    const profiles: number[] = [];
    for (let i = 0; i < users.length - 1; i++) {
      profiles.push(await f.profile(users[i], accounts[i % accounts.length]));
      if (i % 2) profiles.push(await f.profile(users[i], accounts[(i + 1) % accounts.length]));
    }
    for (let i = 0; i < 12; i++) await f.provider(profiles[i % profiles.length]);
    ({
      changes,
      repository: repo,
      cache,
      service,
    } = await cachedProviders(ds, { DATABASE_URL: database.db.url, PROVIDERS_LIST_FORMAT: format }));
  });
  afterAll(async () => {
    await changes?.onApplicationShutdown();
    await other?.end();
    await database?.close();
  });

  it('every user, after every change', async () => {
    const step = fc.record({ kind: fc.integer({ min: 0, max: 9 }), a: fc.nat(1000), b: fc.nat(1000) });
    await fc.assert(
      fc.asyncProperty(fc.array(step, { minLength: 1, maxLength: 8 }), async (steps) => {
        for (const s of steps) {
          const before = await subjects();
          await Promise.all(before.map(read)); // warm
          await apply(s);
          const racing = Promise.all(before.map(read)); // possibly before the notification
          await changesSeen();
          await racing;
          for (const user of await subjects()) {
            const expected = await fresh(user);
            expect(await read(user)).toBe(expected);
            expect(await read(user)).toBe(expected); // and again, from what the first kept
          }
        }
      }),
      { numRuns: 12 },
    );
  }, 120_000);

  it('a platform provider renamed drops that one fragment, not every user’s pieces', async () => {
    const [{ id: platform }] = (
      await other.query<{ id: number }>(
        `UPDATE accounts SET is_platform = true WHERE id = (SELECT min(id) FROM accounts) RETURNING id`,
      )
    ).rows;
    const [{ id: profile }] = (
      await other.query<{ id: number }>(
        `INSERT INTO user_profiles (user_id, account_id) SELECT min(id), $1 FROM users ON CONFLICT (user_id, account_id) DO UPDATE SET user_id = EXCLUDED.user_id RETURNING id`,
        [platform],
      )
    ).rows;
    const [{ id: provider }] = (
      await other.query<{ id: number }>(
        `INSERT INTO providers (owner_profile_id, name) VALUES ($1, 'plat-x') RETURNING id`,
        [profile],
      )
    ).rows;
    await changesSeen();
    const users = (await subjects()).filter((u) => u.isActive);
    for (const u of users) await read(u);
    const held = cache.stats().entries;
    const wholeHeld = cache.whole() !== undefined ? 1 : 0;
    const payloads: string[] = [];
    const listen = new pg.Client({ connectionString: database.db.url });
    await listen.connect();
    listen.on('notification', (m) => payloads.push(m.payload ?? ''));
    await listen.query('LISTEN providers_changes');
    await other.query(`UPDATE providers SET name = 'plat-y' WHERE id = $1`, [provider]);
    await changesSeen();
    await listen.end();
    expect(payloads).toContain(`platform:${platform}`);
    expect(payloads).not.toContain('all');
    // The platform's fragment (and the superusers' whole table) went; every plan and every
    // other account's fragment stayed.
    expect(cache.stats().entries).toBe(held - 1 - wholeHeld);
    for (const u of users) expect(await read(u)).toBe(await fresh(u));
  });
});
