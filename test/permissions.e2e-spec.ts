import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { AccessRepository } from '../src/permissions/access.repository.js';
import { readScope, type ReadSubject } from '../src/permissions/access-scopes.js';
import { DomainError } from '../src/common/domain-error.js';
import { ActionForbiddenError, ProviderNotFoundError } from '../src/permissions/permissions.errors.js';
import { PermissionsService } from '../src/permissions/permissions.service.js';
import { miniListQuery, ProvidersRepository, type ProviderMiniRow } from '../src/providers/providers.repository.js';
import { Factories } from './support/factories.js';
import { emptyTables, migratedDataSource, type MigratedDataSource } from './support/test-database.js';
import { expectedReadable, insertRowWorld, rowWorldArbitrary } from './support/random-world.js';

describe('the read rule against PostgreSQL', () => {
  let database: MigratedDataSource;
  let ds: DataSource;
  let permissions: PermissionsService;
  let providers: ProvidersRepository;
  /** The list query, as ProvidersService runs it. */
  const readableProviders = (who: ReadSubject | null): Promise<ProviderMiniRow[]> => providers.findMini(readScope(who));
  /** The bulk check of `provider.read`; isStaff plays no part in reading. */
  const canRead = (who: ReadSubject | null, ids: number[]) =>
    permissions.checkAccess(who && { ...who, isStaff: false }, 'provider.read', ids);

  beforeAll(async () => {
    database = await migratedDataSource({ statementTimeoutMs: 30_000 });
    ds = database.ds;
    permissions = new PermissionsService(new AccessRepository(ds));
    providers = new ProvidersRepository(ds);
  });
  afterAll(async () => {
    await database?.close();
  });

  const subject = (id: number, u: { isSuperuser: boolean; isActive: boolean }): ReadSubject => ({ id, ...u });

  it('the list query and the bulk check both match the reference model on random worlds', async () => {
    await fc.assert(
      fc.asyncProperty(rowWorldArbitrary, async (world) => {
        const { userIds, providerIds } = await insertRowWorld(database, world);
        const expected = expectedReadable(world);
        for (const [ui, u] of world.users.entries()) {
          const who = subject(userIds[ui], u);
          const want = expected[ui].map((i) => providerIds[i]);
          const listed = await readableProviders(who);
          expect(listed.map((r) => r.id)).toEqual(want);
          // The bulk check agrees with the list on every provider (and on ids that do not exist).
          const allowed = await canRead(who, [...providerIds, 2_000_000_000]);
          expect([...allowed].sort((a, b) => a - b)).toEqual(want);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('anonymous reads nothing and the bulk check ignores ids out of range', async () => {
    await expect(readableProviders(null)).resolves.toEqual([]);
    await expect(canRead(null, [1])).resolves.toEqual(new Set());
    const root = subject(1, { isSuperuser: true, isActive: true });
    await expect(canRead(root, [-1, 0, 1.5, 2 ** 40])).resolves.toEqual(new Set());
  });

  it('selects only id, name and base_url', async () => {
    await insertRowWorld(database, {
      accounts: [{ isPlatform: true }],
      users: [{ isSuperuser: true, isActive: true, accounts: [0] }],
      providers: [{ owner: [0, 0], baseUrl: null }],
    });
    const [row] = await readableProviders(subject(1, { isSuperuser: true, isActive: true }));
    expect(Object.keys(row).sort()).toEqual(['base_url', 'id', 'name']);
    expect(row).toEqual({ id: 1, name: 'provider-0', base_url: null });
  });

  describe('requireAccess', () => {
    const notFound = { name: ProviderNotFoundError.name, status: 404, code: 'provider_not_found' };
    const forbidden = { name: ActionForbiddenError.name, status: 403, code: 'action_forbidden' };
    let acme: number;
    let globex: number;
    let alicesProvider: number;
    let inactiveProvider: number;
    let globexProvider: number;
    const member = (id: number, flags: { isStaff?: boolean } = {}) => ({
      id,
      isSuperuser: false,
      isStaff: false,
      isActive: true,
      ...flags,
    });
    let alice: ReturnType<typeof member>;
    let bob: ReturnType<typeof member>;
    let sam: ReturnType<typeof member>;

    beforeAll(async () => {
      await emptyTables(ds, database.db);
      const f = new Factories(ds);
      acme = await f.account();
      globex = await f.account();
      const [aliceId, bobId, samId] = [await f.user(), await f.user(), await f.user({ isStaff: true })];
      const aliceProfile = await f.profile(aliceId, acme);
      await f.profile(bobId, acme);
      await f.profile(samId, acme);
      alicesProvider = await f.provider(aliceProfile);
      inactiveProvider = await f.provider(aliceProfile);
      await ds.query('UPDATE providers SET is_active = false WHERE id = $1', [inactiveProvider]);
      globexProvider = await f.provider(await f.profile(await f.user(), globex));
      [alice, bob, sam] = [member(aliceId), member(bobId), member(samId, { isStaff: true })];
    });

    const outcome = (promise: Promise<void>) =>
      promise.then(
        () => 'allowed',
        (e: unknown) => (e instanceof DomainError ? { name: e.name, status: e.status, code: e.code } : e),
      );

    it('allows what the action allows', async () => {
      await expect(outcome(permissions.requireAccess(alice, 'provider.read', alicesProvider))).resolves.toBe('allowed');
      await expect(outcome(permissions.requireAccess(alice, 'provider.manage', alicesProvider))).resolves.toBe(
        'allowed',
      );
      await expect(outcome(permissions.requireAccess(sam, 'provider.manage', alicesProvider))).resolves.toBe('allowed');
      await expect(outcome(permissions.requireAccess(sam, 'provider.create', acme))).resolves.toBe('allowed');
    });

    it('answers "not found" for a provider the user may not read, whatever the action, so that its existence does not leak', async () => {
      for (const action of ['provider.read', 'provider.use', 'provider.manage', 'provider.moderate'] as const) {
        await expect(outcome(permissions.requireAccess(alice, action, globexProvider))).resolves.toEqual(notFound);
        await expect(outcome(permissions.requireAccess(alice, action, 2_000_000_000))).resolves.toEqual(notFound);
      }
      await expect(outcome(permissions.requireAccess(null, 'provider.read', alicesProvider))).resolves.toEqual(
        notFound,
      );
    });

    it('answers "forbidden" for a readable provider the action does not allow, and for an account', async () => {
      await expect(outcome(permissions.requireAccess(bob, 'provider.manage', alicesProvider))).resolves.toEqual(
        forbidden,
      );
      await expect(outcome(permissions.requireAccess(alice, 'provider.use', inactiveProvider))).resolves.toEqual(
        forbidden,
      );
      await expect(outcome(permissions.requireAccess(alice, 'provider.moderate', alicesProvider))).resolves.toEqual(
        forbidden,
      );
      await expect(outcome(permissions.requireAccess(alice, 'provider.create', acme))).resolves.toEqual(forbidden);
      await expect(outcome(permissions.requireAccess(sam, 'provider.create', globex))).resolves.toEqual(forbidden);
    });
  });

  describe('at 100,000 providers', () => {
    let ordinary: ReadSubject;

    beforeAll(async () => {
      // 500 accounts, 10 profiles each (user i in account i % 500), 200 providers per account.
      await emptyTables(ds, database.db);
      await ds.query(`INSERT INTO accounts (account_number, name, is_platform)
                      SELECT 'a' || g, 'Account ' || g, g = 1 FROM generate_series(1, 500) g`);
      await ds.query(
        `INSERT INTO users (username, password_hash) SELECT 'u' || g, 'x' FROM generate_series(1, 5000) g`,
      );
      await ds.query(
        `INSERT INTO user_profiles (user_id, account_id) SELECT g, 1 + g % 500 FROM generate_series(1, 5000) g`,
      );
      await ds.query(`INSERT INTO providers (owner_profile_id, name, base_url)
                      SELECT 1 + g % 5000, 'p' || g, 'https://x.test/' || g FROM generate_series(1, 100000) g`);
      await ds.query('ANALYZE');
      ordinary = subject(42, { isSuperuser: false, isActive: true });
    });

    it("an ordinary user's read does not scan the providers table", async () => {
      const q = miniListQuery(readScope(ordinary));
      const [{ 'QUERY PLAN': plan }] = await ds.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, [...q.params]);
      const scans: { type: string; relation?: string }[] = [];
      const walk = (node: Record<string, unknown>) => {
        scans.push({ type: node['Node Type'] as string, relation: node['Relation Name'] as string | undefined });
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
      };
      walk(plan[0].Plan);
      expect(scans.filter((s) => s.relation === 'providers').map((s) => s.type)).not.toContain('Seq Scan');
      // The user (account 43) reads its account's 200 providers plus the platform account's 200.
      const rows = await readableProviders(ordinary);
      expect(rows).toHaveLength(400);
    });
  });
});
