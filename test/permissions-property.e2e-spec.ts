import fc from 'fast-check';
import { AccessRepository } from '../src/permissions/access.repository.js';
import {
  ACCOUNT_ACTIONS,
  createScope,
  PROVIDER_ACTIONS,
  providerScope,
  type AccessSubject,
  type Action,
} from '../src/permissions/access-scopes.js';
import { PermissionsService } from '../src/permissions/permissions.service.js';
import { ProvidersRepository } from '../src/providers/providers.repository.js';
import { insertRowWorld, rowWorldArbitrary, type RowWorld } from './support/random-world.js';
import { migratedDataSource, type MigratedDataSource } from './support/test-database.js';

/**
 * Every action, written from its statement (DESIGN.md "Permissions by action") over the world's
 * rows alone, not from the SQL. Returns, per user index, the indexes of the providers (or, for
 * `provider.create`, of the accounts) the user may act on.
 */
function reference(world: RowWorld, action: Action): number[][] {
  const platform = new Set(world.accounts.flatMap((a, i) => (a.isPlatform ? [i] : [])));
  const providers = world.providers.map((p, i) => ({ ...p, i, ownerUser: p.owner[0], ownerAccount: p.owner[1] }));
  const indexes = (list: { i: number }[]) => list.map((p) => p.i);
  return world.users.map((u, ui) => {
    if (!u.isActive) return [];
    const mine = new Set(u.accounts);
    const reads = u.isSuperuser
      ? providers
      : mine.size === 0
        ? []
        : providers.filter((p) => mine.has(p.ownerAccount) || platform.has(p.ownerAccount));
    switch (action) {
      case 'provider.read':
        return indexes(reads);
      case 'provider.use':
        return indexes(reads.filter((p) => p.isActive !== false));
      case 'provider.manage':
        if (u.isSuperuser) return indexes(providers);
        if (u.isStaff) return indexes(providers.filter((p) => mine.has(p.ownerAccount)));
        return indexes(providers.filter((p) => p.ownerUser === ui));
      case 'provider.moderate':
        return u.isSuperuser ? indexes(providers) : [];
      case 'provider.create':
        return u.isStaff || u.isSuperuser ? [...mine].sort((a, b) => a - b) : [];
    }
  });
}

describe('every action: the scoped query and checkAccess agree with the reference model', () => {
  let database: MigratedDataSource;
  let permissions: PermissionsService;
  let providers: ProvidersRepository;

  beforeAll(async () => {
    database = await migratedDataSource({ statementTimeoutMs: 30_000 });
    permissions = new PermissionsService(new AccessRepository(database.ds));
    providers = new ProvidersRepository(database.ds);
  });
  afterAll(async () => {
    await database?.close();
  });

  /** The ids a scope selects, as a list would: each once, by id. */
  const scopedAccounts = async (who: AccessSubject): Promise<number[]> => {
    const scope = createScope(who);
    const rows: { id: number }[] = await database.ds.query(
      `SELECT a.id FROM accounts a WHERE ${scope.where} ORDER BY a.id`,
      [...scope.params],
    );
    return rows.map((r) => r.id);
  };
  const sorted = (ids: Iterable<number>) => [...ids].sort((a, b) => a - b);
  const NO_SUCH_ID = 2_000_000_000;

  it('for every user, provider and account of generated worlds', async () => {
    await fc.assert(
      fc.asyncProperty(rowWorldArbitrary, async (world) => {
        const { accountIds, userIds, providerIds } = await insertRowWorld(database, world);
        const subjectOf = (ui: number): AccessSubject => ({
          id: userIds[ui],
          isSuperuser: world.users[ui].isSuperuser,
          isStaff: world.users[ui].isStaff ?? false,
          isActive: world.users[ui].isActive,
        });
        for (const action of PROVIDER_ACTIONS) {
          const expected = reference(world, action);
          for (const [ui, u] of world.users.entries()) {
            const who = subjectOf(ui);
            const want = expected[ui].map((i) => providerIds[i]);
            const context = `${action}, user ${ui} ${JSON.stringify(u)}`;
            const listed = await providers.findMini(providerScope(who, action));
            expect({ context, ids: listed.map((r) => r.id) }).toEqual({ context, ids: want });
            const allowed = await permissions.checkAccess(who, action, [...providerIds, NO_SUCH_ID]);
            expect({ context, ids: sorted(allowed) }).toEqual({ context, ids: want });
          }
        }
        // The passthrough's one query: what it finds is provider.read, what it marks usable provider.use.
        const [reads, uses] = [reference(world, 'provider.read'), reference(world, 'provider.use')];
        const everyProvider = { where: 'p.id = ANY($1::int[])', params: [[...providerIds, NO_SUCH_ID]] };
        for (const [ui, u] of world.users.entries()) {
          const found = await permissions.providersForUse(subjectOf(ui), everyProvider);
          const context = `providersForUse, user ${ui} ${JSON.stringify(u)}`;
          expect({
            context,
            read: found.map((p) => p.id),
            use: found.filter((p) => p.usable).map((p) => p.id),
          }).toEqual({
            context,
            read: reads[ui].map((i) => providerIds[i]),
            use: uses[ui].map((i) => providerIds[i]),
          });
        }
        for (const action of ACCOUNT_ACTIONS) {
          const expected = reference(world, action);
          for (const [ui, u] of world.users.entries()) {
            const who = subjectOf(ui);
            const want = expected[ui].map((i) => accountIds[i]);
            const context = `${action}, user ${ui} ${JSON.stringify(u)}`;
            expect({ context, ids: await scopedAccounts(who) }).toEqual({ context, ids: want });
            const allowed = await permissions.checkAccess(who, action, [...accountIds, NO_SUCH_ID]);
            expect({ context, ids: sorted(allowed) }).toEqual({ context, ids: want });
          }
        }
      }),
      { numRuns: 40 },
    );
  });

  it('anonymous callers may do nothing', async () => {
    const { accountIds, providerIds } = await insertRowWorld(database, {
      accounts: [{ isPlatform: true }],
      users: [{ isSuperuser: true, isStaff: true, isActive: true, accounts: [0] }],
      providers: [{ owner: [0, 0], baseUrl: null }],
    });
    for (const action of PROVIDER_ACTIONS) {
      await expect(permissions.checkAccess(null, action, providerIds)).resolves.toEqual(new Set());
      await expect(providers.findMini(providerScope(null, action))).resolves.toEqual([]);
    }
    await expect(permissions.checkAccess(null, 'provider.create', accountIds)).resolves.toEqual(new Set());
    await expect(permissions.providersForUse(null, { where: 'TRUE', params: [] })).resolves.toEqual([]);
  });
});
