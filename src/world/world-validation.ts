import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import { baseUrlProblem, quote } from './base-url.js';
import { WORLD_SCHEMA } from './world-schema.js';
import type { World, WorldFile, WorldProblem } from './world.types.js';

/** Enough problems to fix a file in a few rounds, few enough to read. */
export const MAX_REPORTED_PROBLEMS = 20;

/** Column sizes from the migrations: a longer value is reported here, with its path, not by the database. */
export const LIMITS = { accountNumber: 64, accountName: 200, username: 150, email: 254, providerName: 200, baseUrl: 2048 };

export type WorldValidation =
  | { valid: true; world: World }
  | { valid: false; problems: WorldProblem[]; /** problems found beyond those reported */ omitted: number };

const ajv = new Ajv2020({ allErrors: true, strict: true });
const checkSchema = ajv.compile<WorldFile>(WORLD_SCHEMA);

/**
 * Checks a parsed world file: its shape first (JSON Schema), then, if the shape is right, the
 * rules between its parts. Returns the world with defaults filled in, or the problems with
 * their JSON paths (the first MAX_REPORTED_PROBLEMS of them). Touches no database.
 */
export function validateWorld(input: unknown): WorldValidation {
  const problems = new ProblemList();
  if (!checkSchema(input)) {
    for (const error of checkSchema.errors ?? []) problems.add(...fromSchemaError(error));
    return problems.result();
  }
  const world = withDefaults(input);
  checkRules(world, problems);
  return problems.count ? problems.result() : { valid: true, world };
}

/** The world a valid file describes, every optional field given its default. */
function withDefaults(file: WorldFile): World {
  return {
    accounts: file.accounts.map((a) => ({ accountNumber: a.accountNumber, name: a.name, isPlatform: a.isPlatform ?? false })),
    users: file.users.map((u) => ({
      username: u.username,
      email: u.email ?? '',
      password: u.password,
      isSuperuser: u.isSuperuser ?? false,
      isStaff: u.isStaff ?? false,
      isActive: u.isActive ?? true,
      accounts: u.accounts ?? [],
    })),
    providers: file.providers.map((p) => ({
      name: p.name,
      baseUrl: p.baseUrl ?? null,
      description: p.description ?? '',
      isActive: p.isActive ?? true,
      isVerified: p.isVerified ?? false,
      owner: { username: p.owner.username, accountNumber: p.owner.accountNumber },
    })),
  };
}

function checkRules(world: World, problems: ProblemList): void {
  const accountAt = new Map<string, number>();
  world.accounts.forEach((account, i) => {
    const path = `accounts[${i}]`;
    checkText(problems, `${path}.accountNumber`, account.accountNumber, LIMITS.accountNumber);
    checkText(problems, `${path}.name`, account.name, LIMITS.accountName);
    const first = accountAt.get(account.accountNumber);
    if (first !== undefined) {
      problems.add(`${path}.accountNumber`, `${quote(account.accountNumber)} is already used by accounts[${first}]`);
    } else {
      accountAt.set(account.accountNumber, i);
    }
  });

  const userAt = new Map<string, number>();
  world.users.forEach((user, i) => {
    const path = `users[${i}]`;
    checkText(problems, `${path}.username`, user.username, LIMITS.username);
    checkText(problems, `${path}.email`, user.email, LIMITS.email);
    checkText(problems, `${path}.password`, user.password);
    const first = userAt.get(user.username);
    if (first !== undefined) {
      problems.add(`${path}.username`, `${quote(user.username)} is already used by users[${first}]`);
    } else {
      userAt.set(user.username, i);
    }
    user.accounts.forEach((accountNumber, j) => {
      if (!accountAt.has(accountNumber)) {
        problems.add(`${path}.accounts[${j}]`, `unknown account ${quote(accountNumber)} (not in accounts)`);
      }
    });
  });

  const profiles = new Map<number, Set<string>>();
  world.users.forEach((user, i) => {
    if (userAt.get(user.username) === i) profiles.set(i, new Set(user.accounts));
  });
  // Keyed by owner then name, both exactly as written: names are unique per owner, case-sensitive.
  const nameAt = new Map<string, Map<string, number>>();
  world.providers.forEach((provider, i) => {
    const path = `providers[${i}]`;
    const { username, accountNumber } = provider.owner;
    checkText(problems, `${path}.name`, provider.name, LIMITS.providerName);
    checkText(problems, `${path}.description`, provider.description);
    if (provider.baseUrl !== null) {
      const unstorable = checkText(problems, `${path}.baseUrl`, provider.baseUrl, LIMITS.baseUrl);
      const problem = unstorable ? null : baseUrlProblem(provider.baseUrl);
      if (problem) problems.add(`${path}.baseUrl`, problem);
    }

    const userIndex = userAt.get(username);
    if (userIndex === undefined) {
      problems.add(`${path}.owner.username`, `unknown user ${quote(username)} (not in users)`);
      return;
    }
    if (!accountAt.has(accountNumber)) {
      problems.add(`${path}.owner.accountNumber`, `unknown account ${quote(accountNumber)} (not in accounts)`);
      return;
    }
    if (!profiles.get(userIndex)!.has(accountNumber)) {
      problems.add(
        `${path}.owner.accountNumber`,
        `${quote(username)} has no profile in account ${quote(accountNumber)}: the owner must be one of ` +
          `the user's profiles (add it to users[${userIndex}].accounts)`,
      );
      return;
    }
    const ownerKey = JSON.stringify([username, accountNumber]);
    let names = nameAt.get(ownerKey);
    if (!names) nameAt.set(ownerKey, (names = new Map()));
    const first = names.get(provider.name);
    if (first !== undefined) {
      problems.add(
        `${path}.name`,
        `${quote(provider.name)} is already used by providers[${first}] for the same owner ` +
          `(${quote(username)} in ${quote(accountNumber)}); names are unique per owner`,
      );
    } else {
      names.set(provider.name, i);
    }
  });
}

/**
 * Strings PostgreSQL cannot store as written: NUL is refused by the server, and a lone UTF-16
 * surrogate would be replaced on the way in, so the value would not round-trip. A limit counts
 * characters (code points), as varchar does. Returns true when it reported a problem.
 */
function checkText(problems: ProblemList, path: string, value: string, limit?: number): boolean {
  const before = problems.count;
  if (value.includes('\u0000')) problems.add(path, 'must not contain the NUL character (\\u0000)');
  if (LONE_SURROGATE.test(value)) problems.add(path, 'is not valid Unicode (it contains a lone surrogate)');
  if (limit !== undefined && value.length > limit && [...value].length > limit) {
    problems.add(path, `is longer than ${limit} characters`);
  }
  return problems.count > before;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Turns an Ajv error into the path of the offending value and a sentence about it. */
function fromSchemaError(error: ErrorObject): [string, string] {
  const at = pathFromPointer(error.instancePath);
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return [join(at, String(params.missingProperty)), 'is required'];
    case 'additionalProperties':
      return [join(at, String(params.additionalProperty)), `is not a field of ${describe(at)}`];
    case 'type': {
      const types = ([] as string[]).concat(params.type as string | string[]);
      return [at || '(top level)', `must be ${types.map(article).join(' or ')}`];
    }
    case 'const':
      return [at, `must be ${JSON.stringify(params.allowedValue)}`];
    case 'minLength':
      return [at, 'must not be empty'];
    case 'uniqueItems':
      return [`${at}[${params.i as number}]`, `repeats ${at}[${params.j as number}]`];
    default:
      return [at || '(top level)', error.message ?? 'is not valid'];
  }
}

/** `/providers/12/owner/accountNumber` → `providers[12].owner.accountNumber`. */
export function pathFromPointer(pointer: string): string {
  if (!pointer) return '';
  return pointer
    .slice(1)
    .split('/')
    .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    .reduce((path, segment) => (/^\d+$/.test(segment) ? `${path}[${segment}]` : join(path, segment)), '');
}

function join(path: string, key: string): string {
  const part = /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`;
  return !path || part.startsWith('[') ? `${path}${part}` : `${path}.${part}`;
}

function describe(path: string): string {
  if (!path) return 'a world file';
  if (/\.owner$/.test(path)) return 'an owner';
  const section = /^(accounts|users|providers)\[\d+\]$/.exec(path)?.[1];
  return section ? `${section === 'accounts' ? 'an account' : `a ${section.slice(0, -1)}`}` : path;
}

function article(type: string): string {
  return type === 'null' ? 'null' : type === 'array' || type === 'object' || type === 'integer' ? `an ${type}` : `a ${type}`;
}

/** Problems as they are found: all counted, the first MAX_REPORTED_PROBLEMS kept. */
export class ProblemList {
  private readonly kept: WorldProblem[] = [];
  count = 0;

  add(path: string, message: string): void {
    this.count++;
    if (this.kept.length < MAX_REPORTED_PROBLEMS) this.kept.push({ path, message });
  }

  result(): Extract<WorldValidation, { valid: false }> {
    return { valid: false, problems: this.kept, omitted: this.count - this.kept.length };
  }
}
