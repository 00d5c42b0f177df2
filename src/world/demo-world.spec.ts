import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_WORLD_PATH, demoLogins, formatDemoLogins, projectRoot, readDemoWorld } from './demo-world.service.js';
import { validateWorld } from './world-validation.js';
import type { WorldFile } from './world.types.js';

/** The read rule, stated plainly, to check that the demo world shows each of its cases. */
function readable(world: WorldFile, username: string): string[] {
  const user = world.users.find((u) => u.username === username)!;
  if (user.isActive === false) return [];
  if (user.isSuperuser) return world.providers.map((p) => p.name);
  const platform = new Set(world.accounts.filter((a) => a.isPlatform).map((a) => a.accountNumber));
  const mine = new Set(user.accounts ?? []);
  if (mine.size === 0) return [];
  return world.providers
    .filter((p) => platform.has(p.owner.accountNumber) || mine.has(p.owner.accountNumber))
    .map((p) => p.name);
}

describe('the demo world (data/demo-world.json)', () => {
  let world: WorldFile;
  beforeAll(async () => {
    world = await readDemoWorld();
  });

  it('is found from src/ and from dist/src/ alike', () => {
    const root = projectRoot();
    expect(existsSync(join(root, 'package.json'))).toBe(true);
    expect(DEMO_WORLD_PATH).toBe(join(root, 'data', 'demo-world.json'));
    expect(projectRoot(join(root, 'dist', 'src', 'world'))).toBe(root);
  });

  it('is a valid world', () => {
    expect(validateWorld(world)).toMatchObject({ valid: true });
  });

  it('has the well-known vendors in the platform account, owned by a superuser', () => {
    const platform = world.accounts.filter((a) => a.isPlatform);
    expect(platform).toHaveLength(1);
    const vendors = world.providers.filter((p) => p.owner.accountNumber === platform[0].accountNumber);
    expect(vendors.map((p) => p.name).sort()).toEqual(
      ['Anthropic', 'Cohere', 'Fireworks', 'Google AI', 'Meta AI', 'Mistral', 'OpenAI', 'Together AI'].sort(),
    );
    const owners = new Set(vendors.map((p) => p.owner.username));
    expect([...owners].every((name) => world.users.find((u) => u.username === name)?.isSuperuser)).toBe(true);
  });

  it('has two customer accounts with providers of their own, one without a base URL', () => {
    const customers = world.accounts.filter((a) => !a.isPlatform).map((a) => a.accountNumber);
    expect(customers).toHaveLength(2);
    for (const account of customers) expect(world.providers.some((p) => p.owner.accountNumber === account)).toBe(true);
    expect(world.providers.some((p) => customers.includes(p.owner.accountNumber) && p.baseUrl === null)).toBe(true);
  });

  it('has a user for every case of the read rule', () => {
    const all = world.providers.map((p) => p.name);
    const platformNames = world.providers
      .filter((p) => p.owner.accountNumber === world.accounts.find((a) => a.isPlatform)!.accountNumber)
      .map((p) => p.name);
    const cases = world.users.map((u) => ({ user: u, reads: readable(world, u.username) }));
    const customerCount = (u: WorldFile['users'][number]) =>
      (u.accounts ?? []).filter((a) => world.accounts.find((x) => x.accountNumber === a && !x.isPlatform)).length;

    expect(cases.find((c) => c.user.isSuperuser && c.user.isActive !== false)?.reads).toEqual(all);
    expect(cases.find((c) => c.user.isStaff && !c.user.isSuperuser)?.reads).toEqual(platformNames);
    const twoAccounts = cases.find((c) => customerCount(c.user) === 2 && c.user.isActive !== false);
    expect(twoAccounts?.reads.length).toBeGreaterThan(platformNames.length);
    const ordinary = cases.filter((c) => customerCount(c.user) === 1 && !c.user.isStaff && c.user.isActive !== false);
    expect(ordinary.length).toBeGreaterThan(0);
    for (const c of ordinary) expect(c.reads.length).toBeLessThan(twoAccounts!.reads.length);
    expect(cases.find((c) => (c.user.accounts ?? []).length === 0)?.reads).toEqual([]);
    const inactive = cases.find((c) => c.user.isActive === false);
    expect(inactive && (inactive.user.accounts ?? []).length).toBeGreaterThan(0);
    expect(inactive?.reads).toEqual([]);
  });

  it('describes each login from the data', () => {
    const logins = demoLogins(world);
    expect(logins.map((l) => l.username)).toEqual(world.users.map((u) => u.username));
    expect(logins.every((l) => l.password === `pw-${l.username}`)).toBe(true);
    const shows = Object.fromEntries(logins.map((l) => [l.username, l.shows]));
    expect(shows.admin).toMatch(/^superuser: reads every provider \(15\)/);
    expect(shows.staff).toMatch(/^staff, platform profile only: reads the 8 platform providers/);
    expect(shows.carol).toMatch(/^profiles in Acme Robotics and Globex Health/);
    expect(shows.dave).toMatch(/^no profile/);
    expect(shows.erin).toMatch(/^inactive/);
    const table = formatDemoLogins(logins);
    expect(table.split('\n')).toHaveLength(logins.length + 2);
    expect(table).toContain('  admin     pw-admin  superuser');
  });
});
