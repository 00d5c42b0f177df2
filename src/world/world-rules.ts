import { isEmail } from 'class-validator';
import { baseUrlProblem, linkUrlProblem, quote, testPathProblem } from './base-url.js';
import type { ProblemList } from './world-validation.js';
import { recordFieldsWithDefaults, type World } from './world.types.js';

/** Column sizes from the migrations: a longer value is reported here, with its path, not by the database. */
export const LIMITS = {
  accountNumber: 64,
  accountName: 200,
  username: 150,
  email: 254,
  providerName: 200,
  baseUrl: 2048,
  defaultModel: 200,
};

/** A provider's links: the base URL's rules, and no fragment. */
const LINK_FIELDS = ['websiteUrl', 'docsUrl', 'termsOfServiceUrl', 'privacyPolicyUrl'] as const;
const EMAIL_FIELDS = ['contactEmail', 'supportEmail'] as const;

/** The rules between a world's parts, once its shape is known to be right. */
export function checkRules(world: World, problems: ProblemList): void {
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
  const defaultAt = new Map<string, number>();
  world.providers.forEach((written, i) => {
    const path = `providers[${i}]`;
    const provider = { ...written, ...recordFieldsWithDefaults(written) };
    const { username, accountNumber } = provider.owner;
    checkText(problems, `${path}.name`, provider.name, LIMITS.providerName);
    checkText(problems, `${path}.description`, provider.description);
    if (provider.baseUrl !== null) {
      const unstorable = checkText(problems, `${path}.baseUrl`, provider.baseUrl, LIMITS.baseUrl);
      const problem = unstorable ? null : baseUrlProblem(provider.baseUrl);
      if (problem) problems.add(`${path}.baseUrl`, problem);
    }
    checkText(problems, `${path}.defaultModel`, provider.defaultModel, LIMITS.defaultModel);
    if (!checkText(problems, `${path}.connectivityTestPath`, provider.connectivityTestPath, LIMITS.baseUrl)) {
      const problem = testPathProblem(provider.connectivityTestPath);
      if (problem) problems.add(`${path}.connectivityTestPath`, problem);
    }
    for (const field of LINK_FIELDS) {
      const value = provider[field];
      if (value === null || checkText(problems, `${path}.${field}`, value, LIMITS.baseUrl)) continue;
      const problem = linkUrlProblem(value);
      if (problem) problems.add(`${path}.${field}`, problem);
    }
    for (const field of EMAIL_FIELDS) {
      const value = provider[field];
      if (value === null || checkText(problems, `${path}.${field}`, value, LIMITS.email)) continue;
      if (!isEmail(value)) problems.add(`${path}.${field}`, `must be an email address, got ${quote(value)}`);
    }
    if (provider.isDefault) {
      const first = defaultAt.get(provider.owner.accountNumber);
      if (first !== undefined) {
        problems.add(
          `${path}.isDefault`,
          `providers[${first}] is already the default of account ${quote(provider.owner.accountNumber)}; ` +
            'an account has at most one default provider',
        );
      } else {
        defaultAt.set(provider.owner.accountNumber, i);
      }
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
