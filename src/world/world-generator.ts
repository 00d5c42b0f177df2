import { SeededRandom } from './seeded-random.js';
import { AWKWARD, ENVIRONMENTS, FAMILY, GIVEN, PREFIXES, TRADES, VENDORS, VENDOR_SLUGS } from './world-vocabulary.js';
import type { WorldFile, WorldFileAccount, WorldFileProvider, WorldFileUser, WorldOwner } from './world.types.js';

export interface GenerateOptions {
  seed: number;
  /** Total, including the platform account. */
  accounts: number;
  /** Total, including root. */
  users: number;
  /** Total, including the platform providers. */
  providers: number;
  /** Providers owned by root in the platform account (default 10, at most `providers`). */
  platformProviders?: number;
}

export const PLATFORM_ACCOUNT = '0000-0000-0000';

/** The proportions a generated world aims at; the generator's tests check them. */
export const SHARES = { staff: 0.02, noProfile: 0.05, severalProfiles: 0.1, inactive: 0.03, nullBaseUrl: 0.05 };

const slug = (text: string) =>
  text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');
const digits = (n: number, width = 4) => String(n).padStart(width, '0');

/**
 * A world of the requested size, the same for the same options: a platform account with
 * root (superuser) and a few staff, customer accounts whose users have zero, one or several
 * profiles, some inactive users, and providers owned by root (platform) or by customers.
 */
export function generateWorld(options: GenerateOptions): WorldFile {
  const { seed, accounts: nAccounts, users: nUsers, providers: nProviders } = options;
  const nPlatform = Math.min(options.platformProviders ?? 10, nProviders);
  for (const [name, value, min] of [
    ['accounts', nAccounts, 2],
    ['users', nUsers, 2],
    ['providers', nProviders, 0],
    ['platform providers', nPlatform, 0],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < min)
      throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
  // One sequence for the whole world, drawn in this order: accounts, users, providers.
  const rnd = new SeededRandom(seed);
  const accounts = generateAccounts(rnd, nAccounts);
  const nameOf = new Map(accounts.map((a) => [a.accountNumber, a.name]));
  const users = generateUsers(rnd, nUsers, accounts.slice(1), nameOf);
  const providers = generateProviders(rnd, nProviders, nPlatform, users, nameOf);
  return { version: 1, accounts, users, providers };
}

function generateAccounts(rnd: SeededRandom, nAccounts: number): Required<WorldFileAccount>[] {
  const accounts: Required<WorldFileAccount>[] = [
    { accountNumber: PLATFORM_ACCOUNT, name: 'Platform', isPlatform: true },
  ];
  for (let i = 1; i < nAccounts; i++) {
    // The last group is the index, so numbers never collide however many are drawn.
    const accountNumber = `${digits(1000 + rnd.int(9000))}-${digits(rnd.int(10000))}-${digits(i)}`;
    accounts.push({ accountNumber, name: `${rnd.pick(PREFIXES)} ${rnd.pick(TRADES)}`, isPlatform: false });
  }
  return accounts;
}

/** Root, then the platform's staff, then the customers' users. */
function generateUsers(
  rnd: SeededRandom,
  nUsers: number,
  customers: Required<WorldFileAccount>[],
  nameOf: Map<string, string>,
): WorldFileUser[] {
  const users: WorldFileUser[] = [
    {
      username: 'root',
      email: 'root@platform.test',
      password: 'pw-root',
      isSuperuser: true,
      isStaff: true,
      isActive: true,
      accounts: [PLATFORM_ACCOUNT],
    },
  ];
  const taken = new Set(['root']);
  const nStaff = Math.min(nUsers - 1, Math.max(1, Math.round(nUsers * SHARES.staff)));
  for (let i = 1; i < nUsers; i++) {
    const base = `${rnd.pick(GIVEN)}.${rnd.pick(FAMILY)}`;
    let username = base;
    for (let k = 2; taken.has(username); k++) username = `${base}${k}`;
    taken.add(username);

    const memberOf = i <= nStaff ? [PLATFORM_ACCOUNT] : customerMemberships(rnd, customers, i - nStaff - 1);
    const domain = memberOf.length ? slug(nameOf.get(memberOf[0])!) : 'example';
    users.push({
      username,
      email: `${username}@${domain}.test`,
      password: `pw-${username}`,
      isSuperuser: false,
      isStaff: i <= nStaff,
      isActive: !rnd.chance(SHARES.inactive),
      accounts: memberOf,
    });
  }
  return users;
}

/** The accounts the customer user at `customerIndex` has a profile in: none, one or several. */
function customerMemberships(
  rnd: SeededRandom,
  customers: Required<WorldFileAccount>[],
  customerIndex: number,
): string[] {
  // Every customer account gets a member before any gets a second, so none is empty: the
  // customer who takes an account in turn always joins it.
  const inTurn = customerIndex < customers.length;
  const first = inTurn ? customers[customerIndex] : rnd.pick(customers);
  const r = rnd.next();
  if (r < SHARES.noProfile && !inTurn) return [];
  if (r < SHARES.noProfile + SHARES.severalProfiles && customers.length > 1) {
    const want = Math.min(2 + rnd.int(2), customers.length);
    const set = new Set([first.accountNumber]);
    while (set.size < want) set.add(rnd.pick(customers).accountNumber);
    return [...set];
  }
  return [first.accountNumber];
}

/** The first `nPlatform` owned by root in the platform account, the others by customers' profiles. */
function generateProviders(
  rnd: SeededRandom,
  nProviders: number,
  nPlatform: number,
  users: WorldFileUser[],
  nameOf: Map<string, string>,
): WorldFileProvider[] {
  const customerProfiles: WorldOwner[] = users
    .filter((u) => !u.isStaff)
    .flatMap((u) => (u.accounts ?? []).map((accountNumber) => ({ username: u.username, accountNumber })));
  const rootOwner: WorldOwner = { username: 'root', accountNumber: PLATFORM_ACCOUNT };
  const namesByOwner = new Map<string, Set<string>>();
  const providers: WorldFileProvider[] = [];
  for (let i = 0; i < nProviders; i++) {
    const owner = i < nPlatform || customerProfiles.length === 0 ? rootOwner : rnd.pick(customerProfiles);
    const ownerKey = `${owner.username}\u0000${owner.accountNumber}`;
    let used = namesByOwner.get(ownerKey);
    if (!used) namesByOwner.set(ownerKey, (used = new Set()));
    const vendor = rnd.pick(VENDOR_SLUGS);
    const base = vendor + rnd.pick(ENVIRONMENTS);
    let name = base;
    for (let k = 2; used.has(name); k++) name = `${base}-${k}`;
    used.add(name);

    const accountName = nameOf.get(owner.accountNumber)!;
    const baseUrl = rnd.chance(SHARES.nullBaseUrl) ? null : VENDORS[vendor].replace('{org}', slug(accountName));
    const description = rnd.chance(0.02)
      ? rnd.pick(AWKWARD)
      : rnd.pick([
          `${vendor} for ${accountName}`,
          `${name}: managed by ${owner.username}`,
          `Shared ${vendor} credentials (${owner.accountNumber})`,
          '',
        ]);
    providers.push({
      name,
      baseUrl,
      description,
      isActive: rnd.chance(0.95),
      isVerified: rnd.chance(0.7),
      owner: { ...owner },
    });
  }
  return providers;
}
