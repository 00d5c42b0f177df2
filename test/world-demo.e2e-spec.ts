import { DataSource } from 'typeorm';
import { DemoWorldService, readDemoWorld } from '../src/world/demo-world.service.js';
import { verifyPassword } from '../src/auth/password-hashing.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { emptyTables } from './support/test-database.js';

describe('demo world at start-up', () => {
  let t: TestApp;
  let ds: DataSource;
  let demo: DemoWorldService;

  beforeAll(async () => {
    t = await startTestApp({ DEMO_DATA: 'true' });
    ds = t.app.get(DataSource);
    demo = t.app.get(DemoWorldService);
  });
  afterAll(async () => {
    await t?.close();
  });

  const count = async (table: string) =>
    ((await ds.query(`SELECT count(*)::int AS n FROM ${table}`)) as { n: number }[])[0].n;

  it('is imported into an empty database, through the import service', async () => {
    const world = await readDemoWorld();
    const status = await demo.seedIfEmpty();
    expect(status.seeded).toBe(true);
    expect(status.logins.map((l) => l.username)).toEqual(world.users.map((u) => u.username));
    expect(await count('users')).toBe(world.users.length);
    expect(await count('providers')).toBe(world.providers.length);
    const [admin] = await ds.query(`SELECT password_hash FROM users WHERE username = 'admin'`);
    await expect(verifyPassword(admin.password_hash, 'pw-admin')).resolves.toBe(true);
  });

  it('is not imported again once there are users, but its logins are still shown', async () => {
    const before = await ds.query(`SELECT * FROM providers ORDER BY id`);
    const status = await demo.seedIfEmpty();
    expect(status.seeded).toBe(false);
    expect(status.logins.length).toBeGreaterThan(0);
    expect(await ds.query(`SELECT * FROM providers ORDER BY id`)).toEqual(before);
  });

  it("leaves a database with someone else's users alone, and shows no demo logins there", async () => {
    await emptyTables(ds, t.db);
    await new Factories(ds).user({ username: 'someone' });
    const status = await demo.seedIfEmpty();
    expect(status).toEqual({ seeded: false, logins: [] });
    expect(await count('users')).toBe(1);
    expect(await count('accounts')).toBe(0);
  });
});
