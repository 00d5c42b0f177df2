import { generateWorld, PLATFORM_ACCOUNT, SHARES } from './world-generator.js';
import { validateWorld } from './world-validation.js';

describe('generateWorld', () => {
  const options = { seed: 42, accounts: 40, users: 2000, providers: 4000, platformProviders: 12 };
  const world = generateWorld(options);

  it('is the same for the same options, and different for another seed', () => {
    expect(JSON.stringify(generateWorld(options))).toBe(JSON.stringify(world));
    expect(JSON.stringify(generateWorld({ ...options, seed: 43 }))).not.toBe(JSON.stringify(world));
  });

  it('is a valid world of the requested size', () => {
    expect(validateWorld(world).valid).toBe(true);
    expect(world.accounts).toHaveLength(40);
    expect(world.users).toHaveLength(2000);
    expect(world.providers).toHaveLength(4000);
  });

  it('has one platform account, and root as its superuser', () => {
    expect(world.accounts.filter((a) => a.isPlatform).map((a) => a.accountNumber)).toEqual([PLATFORM_ACCOUNT]);
    expect(world.users[0]).toMatchObject({
      username: 'root',
      isSuperuser: true,
      isActive: true,
      accounts: [PLATFORM_ACCOUNT],
    });
    expect(world.users.filter((u) => u.isSuperuser)).toHaveLength(1);
  });

  it('gives every user the password pw-<username>', () => {
    expect(world.users.every((u) => u.password === `pw-${u.username}`)).toBe(true);
  });

  it('has roughly the intended share of each kind of user', () => {
    const customers = world.users.filter((u) => !u.isStaff);
    const share = (n: number, of: number) => n / of;
    const staff = world.users.filter((u) => u.isStaff && !u.isSuperuser);
    expect(share(staff.length, world.users.length)).toBeCloseTo(SHARES.staff, 2);
    expect(staff.every((u) => u.accounts?.length === 1 && u.accounts[0] === PLATFORM_ACCOUNT)).toBe(true);
    expect(share(customers.filter((u) => u.accounts?.length === 0).length, customers.length)).toBeGreaterThan(0.03);
    expect(share(customers.filter((u) => u.accounts?.length === 0).length, customers.length)).toBeLessThan(0.07);
    const several = customers.filter((u) => (u.accounts?.length ?? 0) >= 2);
    expect(share(several.length, customers.length)).toBeGreaterThan(0.07);
    expect(share(several.length, customers.length)).toBeLessThan(0.13);
    expect(several.every((u) => u.accounts!.length <= 3)).toBe(true);
    const inactive = world.users.filter((u) => u.isActive === false).length;
    expect(share(inactive, world.users.length)).toBeGreaterThan(0.015);
    expect(share(inactive, world.users.length)).toBeLessThan(0.045);
  });

  it('puts a member in every customer account, and no customer in the platform account', () => {
    const customerAccounts = new Set(world.users.filter((u) => !u.isStaff).flatMap((u) => u.accounts ?? []));
    expect(customerAccounts.has(PLATFORM_ACCOUNT)).toBe(false);
    expect(customerAccounts.size).toBe(world.accounts.length - 1);
  });

  it('has the platform providers owned by root, the rest by customer profiles, ~5% without a base URL', () => {
    const platform = world.providers.filter((p) => p.owner.accountNumber === PLATFORM_ACCOUNT);
    expect(platform).toHaveLength(12);
    expect(platform.every((p) => p.owner.username === 'root')).toBe(true);
    const nullUrls = world.providers.filter((p) => p.baseUrl === null).length / world.providers.length;
    expect(nullUrls).toBeGreaterThan(0.03);
    expect(nullUrls).toBeLessThan(0.07);
    expect(new Set(world.providers.map((p) => p.owner.username)).size).toBeGreaterThan(500);
  });

  it('works at the smallest sizes', () => {
    const tiny = generateWorld({ seed: 1, accounts: 2, users: 2, providers: 0 });
    expect(validateWorld(tiny).valid).toBe(true);
    expect(tiny.users.map((u) => u.username)[0]).toBe('root');
  });

  it('puts a member in every customer account even when there are barely enough users', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const small = generateWorld({ seed, accounts: 40, users: 42, providers: 50 });
      const joined = new Set(small.users.filter((u) => !u.isStaff).flatMap((u) => u.accounts ?? []));
      expect(joined.size).toBe(small.accounts.length - 1);
    }
  });

  it('refuses sizes it cannot honour', () => {
    expect(() => generateWorld({ seed: 1, accounts: 1, users: 10, providers: 10 })).toThrow(RangeError);
    expect(() => generateWorld({ seed: 1, accounts: 5, users: 10, providers: -1 })).toThrow(RangeError);
  });
});
