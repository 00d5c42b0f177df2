/**
 * Who may do what, each action as ONE SQL condition. This file is the rule: the list query,
 * the bulk check (PermissionsService.checkAccess) and the benchmark's baseline all build on
 * these functions, so no two of them can disagree. They are pure (no database, no Nest), so a
 * script can import them from the build.
 */

/** What the rules need to know about the caller; the authenticated user satisfies it. */
export interface AccessSubject {
  id: number;
  isSuperuser: boolean;
  isStaff: boolean;
  isActive: boolean;
}

/** What the read rule needs (it does not look at isStaff). */
export type ReadSubject = Pick<AccessSubject, 'id' | 'isSuperuser' | 'isActive'>;

/** Actions on a provider: their scopes are conditions on `p` (the providers table). */
export type ProviderAction = 'provider.read' | 'provider.use' | 'provider.manage' | 'provider.moderate';
/** Actions in an account: their scopes are conditions on `a` (the accounts table). */
export type AccountAction = 'provider.create';
export type Action = ProviderAction | AccountAction;

export const PROVIDER_ACTIONS: readonly ProviderAction[] = [
  'provider.read',
  'provider.use',
  'provider.manage',
  'provider.moderate',
];
export const ACCOUNT_ACTIONS: readonly AccountAction[] = ['provider.create'];

/**
 * A SQL condition and its parameters, numbered from $1. A caller that adds parameters of its
 * own appends them after `params` and numbers them from `params.length + 1`.
 */
export interface AccessScope {
  readonly where: string;
  readonly params: readonly unknown[];
}

/** The scope of a subject who may do nothing: callers answer without asking the database. */
export const NO_ACCESS: AccessScope = Object.freeze({ where: 'FALSE', params: Object.freeze([]) });
const EVERYTHING: AccessScope = Object.freeze({ where: 'TRUE', params: Object.freeze([]) });

/**
 * Which providers an ordinary user (not superuser, active) may read, as a condition on `p`
 * with the user's id as $1: those owned by a profile in an account where the user has a
 * profile, or in a platform account provided the user has at least one profile.
 *
 * Written as semi-joins (IN) so that each provider appears once without a DISTINCT, and so
 * that PostgreSQL starts from the user's few profiles and reaches providers through
 * user_profiles(account_id) and providers(owner_profile_id, name): the cost follows the size
 * of the answer, not of the providers table.
 */
const ORDINARY_USER_READS = `
  p.owner_profile_id IN (
    SELECT owner.id
      FROM user_profiles owner
     WHERE owner.account_id IN (
             SELECT mine.account_id
               FROM user_profiles mine
              WHERE mine.user_id = $1
             UNION
             SELECT platform.id
               FROM accounts platform
              WHERE platform.is_platform
                AND EXISTS (SELECT 1 FROM user_profiles any_mine WHERE any_mine.user_id = $1)))`;

/** Staff manage the providers owned in the accounts where they have a profile (same shape as above). */
const STAFF_MANAGES = `
  p.owner_profile_id IN (
    SELECT owner.id
      FROM user_profiles owner
     WHERE owner.account_id IN (SELECT mine.account_id FROM user_profiles mine WHERE mine.user_id = $1))`;

/** Anyone else manages the providers owned by one of their own profiles. */
const OWNER_MANAGES = `p.owner_profile_id IN (SELECT mine.id FROM user_profiles mine WHERE mine.user_id = $1)`;

/**
 * `provider.read`: anonymous and inactive users read nothing, a superuser reads every
 * provider, anyone else the providers owned in a platform account or in an account where they
 * have a profile, and nothing at all without a profile (docs/world-format.md states the rule).
 */
export function readScope(subject: ReadSubject | null): AccessScope {
  if (!subject?.isActive) return NO_ACCESS;
  if (subject.isSuperuser) return EVERYTHING;
  return { where: ORDINARY_USER_READS, params: [subject.id] };
}

/** `provider.use` (the passthrough): `provider.read`, and the provider is active. */
export function useScope(subject: ReadSubject | null): AccessScope {
  const read = readScope(subject);
  if (read === NO_ACCESS) return NO_ACCESS;
  return { where: `p.is_active AND (${read.where})`, params: read.params };
}

/**
 * `provider.manage` (Smarter's ownership rule): a superuser every provider; staff the
 * providers owned in an account where they have a profile; anyone else the providers owned
 * by one of their own profiles; an inactive user none.
 */
export function manageScope(subject: AccessSubject | null): AccessScope {
  if (!subject?.isActive) return NO_ACCESS;
  if (subject.isSuperuser) return EVERYTHING;
  return { where: subject.isStaff ? STAFF_MANAGES : OWNER_MANAGES, params: [subject.id] };
}

/** `provider.moderate` (suspend, unsuspend, deprecate): an active superuser, on every provider. */
export function moderateScope(subject: AccessSubject | null): AccessScope {
  return subject?.isActive && subject.isSuperuser ? EVERYTHING : NO_ACCESS;
}

/**
 * `provider.create`, a condition on `a` (accounts): the accounts an active staff member or
 * superuser has a profile in. Creating is asked of an account, since there is no provider yet.
 */
export function createScope(subject: AccessSubject | null): AccessScope {
  if (!subject?.isActive || !(subject.isStaff || subject.isSuperuser)) return NO_ACCESS;
  return {
    where: `a.id IN (SELECT mine.account_id FROM user_profiles mine WHERE mine.user_id = $1)`,
    params: [subject.id],
  };
}

/** The scope of a provider action, as a condition on `p`. */
export function providerScope(subject: AccessSubject | null, action: ProviderAction): AccessScope {
  switch (action) {
    case 'provider.read':
      return readScope(subject);
    case 'provider.use':
      return useScope(subject);
    case 'provider.manage':
      return manageScope(subject);
    case 'provider.moderate':
      return moderateScope(subject);
  }
}

export function isAccountAction(action: Action): action is AccountAction {
  return (ACCOUNT_ACTIONS as readonly string[]).includes(action);
}

/**
 * Whose passthrough calls (the usage journal, `u` = prompt_usage) a user may see: a superuser
 * everyone's; staff their own and those of every user with a profile in an account where they
 * have one; anyone else their own; an inactive user none.
 */
export function usageScope(subject: AccessSubject | null): AccessScope {
  if (!subject?.isActive) return NO_ACCESS;
  if (subject.isSuperuser) return EVERYTHING;
  if (!subject.isStaff) return { where: 'u.user_id = $1', params: [subject.id] };
  return {
    where: `(u.user_id = $1 OR u.user_id IN (
      SELECT member.user_id
        FROM user_profiles member
       WHERE member.account_id IN (SELECT mine.account_id FROM user_profiles mine WHERE mine.user_id = $1)))`,
    params: [subject.id],
  };
}
