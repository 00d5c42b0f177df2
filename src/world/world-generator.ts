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

/**
 * A small seeded PRNG (sfc32, its state filled by splitmix32 from the seed): the same seed
 * gives the same sequence on every machine and Node version, which Math.random cannot.
 */
export class SeededRandom {
  private a: number;
  private b: number;
  private c: number;
  private d: number;

  constructor(seed: number) {
    let x = seed >>> 0;
    const splitmix = () => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x21f0aaad);
      z = Math.imul(z ^ (z >>> 15), 0x735a2d97);
      return (z ^ (z >>> 15)) >>> 0;
    };
    [this.a, this.b, this.c, this.d] = [splitmix(), splitmix(), splitmix(), splitmix()];
    for (let i = 0; i < 12; i++) this.next();
  }

  /** A float in [0, 1). */
  next(): number {
    const t = (((this.a + this.b) >>> 0) + this.d) >>> 0;
    this.d = (this.d + 1) >>> 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) >>> 0;
    this.c = ((this.c << 21) | (this.c >>> 11)) >>> 0;
    this.c = (this.c + t) >>> 0;
    return t / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  chance(p: number): boolean {
    return this.next() < p;
  }
}

const PREFIXES = ['Apex', 'Birch', 'Cobalt', 'Dune', 'Echo', 'Fjord', 'Glacier', 'Helix', 'Indigo', 'Jasper', 'Kestrel',
  'Lattice', 'Meridian', 'Nimbus', 'Onyx', 'Prism', 'Quill', 'Redwood', 'Sable', 'Tundra', 'Umber', 'Vertex'];
const TRADES = ['Analytics', 'Bio', 'Cloud', 'Dynamics', 'Finance', 'Genomics', 'Insurance', 'Labs', 'Logistics',
  'Media', 'Mobility', 'Retail', 'Security', 'Software', 'Studios', 'Telecom'];
const GIVEN = ['ada', 'ben', 'chloe', 'dmitri', 'elif', 'farah', 'gustavo', 'hana', 'ines', 'jonas', 'kwame', 'lena',
  'mateo', 'noor', 'olga', 'priya', 'quentin', 'rosa', 'sven', 'tomas', 'yara', 'zoe'];
const FAMILY = ['adeyemi', 'bauer', 'castro', 'dupont', 'eriksen', 'fischer', 'gonzalez', 'haddad', 'ito', 'jensen',
  'kowalski', 'lindqvist', 'moreau', 'nakamura', 'oliveira', 'petrov', 'ramirez', 'schmidt', 'tran', 'weber'];

/** Vendor slug → base URL; `{org}` becomes the owner account's slug. */
const VENDORS: Record<string, string> = {
  openai: 'https://api.openai.com/v1',
  anthropic: 'https://api.anthropic.com/v1',
  'google-ai': 'https://generativelanguage.googleapis.com/v1beta',
  mistral: 'https://api.mistral.ai/v1',
  cohere: 'https://api.cohere.com/v2',
  'meta-llama': 'https://api.llama.com/v1',
  together: 'https://api.together.xyz/v1',
  fireworks: 'https://api.fireworks.ai/inference/v1',
  groq: 'https://api.groq.com/openai/v1',
  deepseek: 'https://api.deepseek.com/v1',
  perplexity: 'https://api.perplexity.ai',
  openrouter: 'https://openrouter.ai/api/v1',
  xai: 'https://api.x.ai/v1',
  'azure-openai': 'https://{org}.openai.azure.com/openai',
  bedrock: 'https://bedrock-runtime.eu-west-1.amazonaws.com',
  vllm: 'http://vllm.{org}.internal:8000/v1',
  ollama: 'http://localhost:11434/v1',
};
const VENDOR_SLUGS = Object.keys(VENDORS);
const ENVIRONMENTS = ['', '', '', '-prod', '-staging', '-dev', '-eu', '-us', '-batch', '-fallback', '-research'];

/** Descriptions a database must keep byte for byte: quotes, LIKE wildcards, backslashes, SQL, emoji, RTL. */
const AWKWARD = [
  `O'Reilly's "primary" key`,
  '100% of traffic_to_this_one',
  'C:\\keys\\prod\\ (backslashes)',
  "'; DROP TABLE providers; --",
  'Robot 🤖 with a 🔑 and a flag 🇪🇺',
  'مزود النماذج الرئيسي',
  'ספק גיבוי (RTL) mixed with LTR',
  'tab\tand\nnewline',
];

const slug = (text: string) => text.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
const digits = (n: number, width = 4) => String(n).padStart(width, '0');

/**
 * A world of the requested size, the same for the same options: a platform account with
 * root (superuser) and a few staff, customer accounts whose users have zero, one or several
 * profiles, some inactive users, and providers owned by root (platform) or by customers.
 */
export function generateWorld(options: GenerateOptions): WorldFile {
  const { seed, accounts: nAccounts, users: nUsers, providers: nProviders } = options;
  const nPlatform = Math.min(options.platformProviders ?? 10, nProviders);
  for (const [name, value, min] of [['accounts', nAccounts, 2], ['users', nUsers, 2], ['providers', nProviders, 0], ['platform providers', nPlatform, 0]] as const) {
    if (!Number.isSafeInteger(value) || value < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${value}`);
  }
  const rnd = new SeededRandom(seed);

  const accounts: Required<WorldFileAccount>[] = [{ accountNumber: PLATFORM_ACCOUNT, name: 'Platform', isPlatform: true }];
  for (let i = 1; i < nAccounts; i++) {
    // The last group is the index, so numbers never collide however many are drawn.
    const accountNumber = `${digits(1000 + rnd.int(9000))}-${digits(rnd.int(10000))}-${digits(i)}`;
    accounts.push({ accountNumber, name: `${rnd.pick(PREFIXES)} ${rnd.pick(TRADES)}`, isPlatform: false });
  }
  const customers = accounts.slice(1);
  const nameOf = new Map(accounts.map((a) => [a.accountNumber, a.name]));

  const users: WorldFileUser[] = [
    { username: 'root', email: 'root@platform.test', password: 'pw-root', isSuperuser: true, isStaff: true, isActive: true, accounts: [PLATFORM_ACCOUNT] },
  ];
  const taken = new Set(['root']);
  const nStaff = Math.min(nUsers - 1, Math.max(1, Math.round(nUsers * SHARES.staff)));
  for (let i = 1; i < nUsers; i++) {
    const base = `${rnd.pick(GIVEN)}.${rnd.pick(FAMILY)}`;
    let username = base;
    for (let k = 2; taken.has(username); k++) username = `${base}${k}`;
    taken.add(username);

    let memberOf: string[];
    const customerIndex = i - nStaff - 1;
    if (i <= nStaff) {
      memberOf = [PLATFORM_ACCOUNT];
    } else {
      // Every customer account gets a member before any gets a second, so none is empty: the
      // customer who takes an account in turn always joins it.
      const inTurn = customerIndex < customers.length;
      const first = inTurn ? customers[customerIndex] : rnd.pick(customers);
      const r = rnd.next();
      if (r < SHARES.noProfile && !inTurn) {
        memberOf = [];
      } else if (r < SHARES.noProfile + SHARES.severalProfiles && customers.length > 1) {
        const want = Math.min(2 + rnd.int(2), customers.length);
        const set = new Set([first.accountNumber]);
        while (set.size < want) set.add(rnd.pick(customers).accountNumber);
        memberOf = [...set];
      } else {
        memberOf = [first.accountNumber];
      }
    }
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
    providers.push({ name, baseUrl, description, isActive: rnd.chance(0.95), isVerified: rnd.chance(0.7), owner: { ...owner } });
  }

  return { version: 1, accounts, users, providers };
}
