import fc from 'fast-check';
import type { DataSource } from 'typeorm';
import { PermissionsService, type ReadSubject } from '../src/permissions/permissions.service.js';
import { emptyTables, migratedDataSource, type MigratedDataSource } from './support/test-database.js';
import { expectedReadable, insertRowWorld, rowWorldArbitrary } from './support/random-world.js';

describe('PermissionsService against PostgreSQL', () => {
  let database: MigratedDataSource;
  let ds: DataSource;
  let permissions: PermissionsService;

  beforeAll(async () => {
    database = await migratedDataSource({ statementTimeoutMs: 30_000 });
    ds = database.ds;
    permissions = new PermissionsService(ds);
  });
  afterAll(async () => {
    await database?.close();
  });

  const subject = (id: number, u: { isSuperuser: boolean; isActive: boolean }): ReadSubject => ({ id, ...u });

  it('readableProviders and canRead both match the reference model on random worlds', async () => {
    await fc.assert(
      fc.asyncProperty(rowWorldArbitrary, async (world) => {
        const { userIds, providerIds } = await insertRowWorld(database, world);
        const expected = expectedReadable(world);
        for (const [ui, u] of world.users.entries()) {
          const who = subject(userIds[ui], u);
          const want = expected[ui].map((i) => providerIds[i]);
          const listed = await permissions.readableProviders(who);
          expect(listed.map((r) => r.id)).toEqual(want);
          // The bulk check agrees with the list on every provider (and on ids that do not exist).
          const allowed = await permissions.canRead(who, [...providerIds, 2_000_000_000]);
          expect([...allowed].sort((a, b) => a - b)).toEqual(want);
        }
      }),
      { numRuns: 40 },
    );
  });

  it('anonymous reads nothing and canRead ignores ids out of range', async () => {
    await expect(permissions.readableProviders(null)).resolves.toEqual([]);
    await expect(permissions.canRead(null, [1])).resolves.toEqual(new Set());
    const root = subject(1, { isSuperuser: true, isActive: true });
    await expect(permissions.canRead(root, [-1, 0, 1.5, 2 ** 40])).resolves.toEqual(new Set());
  });

  it('selects only id, name and base_url', async () => {
    await insertRowWorld(database, {
      accounts: [{ isPlatform: true }],
      users: [{ isSuperuser: true, isActive: true, accounts: [0] }],
      providers: [{ owner: [0, 0], baseUrl: null }],
    });
    const [row] = await permissions.readableProviders(subject(1, { isSuperuser: true, isActive: true }));
    expect(Object.keys(row).sort()).toEqual(['base_url', 'id', 'name']);
    expect(row).toEqual({ id: 1, name: 'provider-0', base_url: null });
  });

  describe('at 100,000 providers', () => {
    let ordinary: ReadSubject;

    beforeAll(async () => {
      // 500 accounts, 10 profiles each (user i in account i % 500), 200 providers per account.
      await emptyTables(ds, database.db);
      await ds.query(`INSERT INTO accounts (account_number, name, is_platform)
                      SELECT 'a' || g, 'Account ' || g, g = 1 FROM generate_series(1, 500) g`);
      await ds.query(`INSERT INTO users (username, password_hash) SELECT 'u' || g, 'x' FROM generate_series(1, 5000) g`);
      await ds.query(`INSERT INTO user_profiles (user_id, account_id) SELECT g, 1 + g % 500 FROM generate_series(1, 5000) g`);
      await ds.query(`INSERT INTO providers (owner_profile_id, name, base_url)
                      SELECT 1 + g % 5000, 'p' || g, 'https://x.test/' || g FROM generate_series(1, 100000) g`);
      await ds.query('ANALYZE');
      ordinary = subject(42, { isSuperuser: false, isActive: true });
    });

    it("an ordinary user's read does not scan the providers table", async () => {
      const q = permissions.readableProvidersQuery(ordinary)!;
      const [{ 'QUERY PLAN': plan }] = await ds.query(`EXPLAIN (FORMAT JSON) ${q.sql}`, q.params);
      const scans: { type: string; relation?: string }[] = [];
      const walk = (node: Record<string, unknown>) => {
        scans.push({ type: node['Node Type'] as string, relation: node['Relation Name'] as string | undefined });
        for (const child of (node.Plans as Record<string, unknown>[] | undefined) ?? []) walk(child);
      };
      walk(plan[0].Plan);
      expect(scans.filter((s) => s.relation === 'providers').map((s) => s.type)).not.toContain('Seq Scan');
      // The user (account 43) reads its account's 200 providers plus the platform account's 200.
      const rows = await permissions.readableProviders(ordinary);
      expect(rows).toHaveLength(400);
    });
  });
});
