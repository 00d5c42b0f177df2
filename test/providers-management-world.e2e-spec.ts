import { WorldImportRepository } from '../src/world/world-import.repository.js';
import { WorldImportService } from '../src/world/world-import.service.js';
import type { WorldFile } from '../src/world/world.types.js';
import { migratedDataSource, type MigratedDataSource } from './support/test-database.js';

function world(extra: Record<string, unknown>[]): WorldFile {
  return {
    version: 1,
    accounts: [{ accountNumber: 'A', name: 'Acme' }],
    users: [{ username: 'alice', password: 'pw-alice', accounts: ['A'] }],
    providers: extra.map((p, i) => ({ name: `p${i}`, owner: { username: 'alice', accountNumber: 'A' }, ...p })),
  };
}

describe('world import: the provider record fields (PostgreSQL)', () => {
  let m: MigratedDataSource;
  let importer: WorldImportService;

  beforeAll(async () => {
    m = await migratedDataSource({ statementTimeoutMs: 10_000 });
    importer = new WorldImportService(new WorldImportRepository(m.ds));
  });
  afterAll(() => m?.close());

  const rows = () =>
    m.ds.query(
      `SELECT name, default_model, connectivity_test_path, website_url, contact_email, status, is_featured, is_default
         FROM providers ORDER BY name`,
    );

  it('writes the fields, gives absent ones their defaults, and a second import changes nothing', async () => {
    const file = world([
      {
        defaultModel: 'gpt-4o-mini',
        connectivityTestPath: 'models',
        websiteUrl: 'https://openai.com',
        contactEmail: 'api@openai.example',
        status: 'verified',
        isFeatured: true,
        isDefault: true,
      },
      {},
    ]);
    await importer.importWorld(file);
    expect(await rows()).toEqual([
      {
        name: 'p0',
        default_model: 'gpt-4o-mini',
        connectivity_test_path: 'models',
        website_url: 'https://openai.com',
        contact_email: 'api@openai.example',
        status: 'verified',
        is_featured: true,
        is_default: true,
      },
      {
        name: 'p1',
        default_model: '',
        connectivity_test_path: '',
        website_url: null,
        contact_email: null,
        status: 'unverified',
        is_featured: false,
        is_default: false,
      },
    ]);
    const again = await importer.importWorld(file);
    expect(again.providers).toEqual({ created: 0, updated: 0, unchanged: 2 });
  });

  it("a world's default replaces the account's other default, so there is still one", async () => {
    await m.ds.query(`UPDATE providers SET is_default = (name = 'p1')`);
    await importer.importWorld(world([{ isDefault: true }, {}]));
    const defaults = (await rows())
      .filter((r: { is_default: boolean }) => r.is_default)
      .map((r: { name: string }) => r.name);
    expect(defaults).toEqual(['p0']);
  });
});
