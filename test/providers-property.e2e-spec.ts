import { DataSource } from 'typeorm';
import { generateWorld } from '../src/world/world-generator.js';
import type { WorldFile } from '../src/world/world.types.js';
import { WorldImportService } from '../src/world/world-import.service.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { emptyTables } from './support/test-database.js';

/**
 * The read rule, written from its statement over the world file alone (not from the SQL):
 * inactive → nothing; superuser → everything; no profile → nothing; otherwise the providers
 * owned in a platform account or in one of the user's accounts. Keys are "owner/account/name".
 */
function expectedKeys(world: WorldFile): Map<string, string[]> {
  const platform = new Set(world.accounts.filter((a) => a.isPlatform).map((a) => a.accountNumber));
  const key = (p: WorldFile['providers'][number]) => `${p.owner.username}/${p.owner.accountNumber}/${p.name}`;
  const out = new Map<string, string[]>();
  for (const u of world.users) {
    const mine = new Set(u.accounts ?? []);
    let readable: WorldFile['providers'] = [];
    if (u.isActive === false) readable = [];
    else if (u.isSuperuser) readable = world.providers;
    else if (mine.size > 0)
      readable = world.providers.filter((p) => mine.has(p.owner.accountNumber) || platform.has(p.owner.accountNumber));
    out.set(u.username, readable.map(key).sort());
  }
  return out;
}

const SIZES = [
  { accounts: 4, users: 25, providers: 120 },
  { accounts: 9, users: 60, providers: 300 },
  { accounts: 3, users: 30, providers: 40, platformProviders: 0 },
];

/**
 * Small worlds do not always contain every case the rule distinguishes; take the first seed
 * from `from` whose world has users with no profile, with several, and an inactive one.
 */
function worldWithEveryCase(size: (typeof SIZES)[number], from: number): WorldFile {
  for (let seed = from; ; seed++) {
    const world = generateWorld({ seed, ...size });
    const profiles = world.users.map((u) => (u.accounts ?? []).length);
    if (profiles.includes(0) && profiles.some((n) => n > 1) && world.users.some((u) => u.isActive === false))
      return world;
  }
}

const WORLDS = SIZES.map((size, i) => ({ ...size, from: 100 * (i + 1) }));

describe.each(['off', 'on'])('every user of generated worlds reads exactly what the rule says (cache %s)', (cache) => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ PROVIDERS_CACHE: cache, LOGIN_MAX_FAILURES_PER_IP: '1000' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(WORLDS)('world %o', async ({ from, ...size }) => {
    const world = worldWithEveryCase(size, from);
    const db = t.app.get(DataSource);
    await emptyTables(db, t.db);
    await t.app.get(WorldImportService).importWorld(world);

    const rows: { id: number; key: string }[] = await db.query(`
      SELECT p.id, u.username || '/' || a.account_number || '/' || p.name AS key
        FROM providers p JOIN user_profiles up ON up.id = p.owner_profile_id
        JOIN users u ON u.id = up.user_id JOIN accounts a ON a.id = up.account_id`);
    const keyOf = new Map(rows.map((r) => [r.id, r.key]));
    const expected = expectedKeys(world);

    const differences: string[] = [];
    for (const user of world.users) {
      const login = await t.inject({
        method: 'POST',
        url: '/auth/login',
        payload: { username: user.username, password: user.password },
      });
      if (user.isActive === false) {
        expect(login.statusCode).toBe(401);
        continue;
      }
      expect(login.statusCode).toBe(200);
      const headers = { authorization: `Bearer ${login.json().access_token}`, 'content-type': 'application/json' };
      // Twice: with the cache on, the second answer comes from it.
      for (let round = 0; round < 2; round++) {
        const res = await t.inject({ method: 'POST', url: '/dashboard/passthrough/api/providers/', headers });
        const ids: number[] = res.json().providers.map((p: { id: number }) => p.id);
        if (JSON.stringify(ids) !== JSON.stringify([...ids].sort((a, b) => a - b)))
          differences.push(`${user.username}: not ordered by id`);
        const got = ids.map((id) => keyOf.get(id)!).sort();
        if (JSON.stringify(got) !== JSON.stringify(expected.get(user.username))) {
          differences.push(`${user.username}: got ${got.length}, expected ${expected.get(user.username)!.length}`);
        }
      }
    }
    expect(differences).toEqual([]);
  });
});
