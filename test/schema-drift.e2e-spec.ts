import { DataSource } from 'typeorm';
import { APP_ENTITIES } from '../src/app.module.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/**
 * The entities and the migrations describe one schema: on a database the migrations built,
 * TypeORM finds nothing to change to match the entities (what `migration:generate` would write).
 * A difference means an entity or a new migration is missing.
 */
describe('schema drift: the entities against a freshly migrated database', () => {
  let db: TestDatabase;
  let ds: DataSource;

  /** The SQL TypeORM would run to make the database match `source`'s entities. */
  const pendingChanges = async (source: DataSource) =>
    (await source.driver.createSchemaBuilder().log()).upQueries.map((q) => q.query);

  beforeAll(async () => {
    // Empty, and migrated here: the migrations are what is checked.
    db = await createTestDatabase({ migrated: false });
    ds = new DataSource({
      ...dataSourceOptions({ url: db.url, poolSize: 1, statementTimeoutMs: 30_000 }),
      entities: APP_ENTITIES,
    });
    await ds.initialize();
    await ds.runMigrations();
  });
  afterAll(async () => {
    if (ds?.isInitialized) await ds.destroy();
    await db?.drop();
  });

  it('needs no change to match the entities', async () => {
    expect(await pendingChanges(ds)).toEqual([]);
  });

  it('has an entity for every table the migrations create', async () => {
    const tables: { table_name: string }[] = await ds.query(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_name <> 'typeorm_migrations' ORDER BY 1`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(ds.entityMetadatas.map((m) => m.tableName).sort());
  });

  it('reports an entity that disagrees with the migrations', async () => {
    // Altered in place and put back: the embedded fallback allows a single connection.
    const providers = ds.getMetadata('providers');
    const name = providers.findColumnWithPropertyName('name')!;
    const [owner] = providers.foreignKeys;
    const original = { length: name.length, onDelete: owner.onDelete };
    name.length = '100';
    owner.onDelete = 'CASCADE';
    try {
      const changes = (await pendingChanges(ds)).join('\n');
      expect(changes).toMatch(/"providers".*"name".*varchar\(100\)|"name" character varying\(100\)/s);
      expect(changes).toMatch(/"providers_owner_profile_id_fkey".*ON DELETE CASCADE/s);
    } finally {
      name.length = original.length;
      owner.onDelete = original.onDelete;
    }
  });
});
