import { DomainError } from '../common/domain-error.js';
import type { FieldProblem } from '../common/error-body.js';

/** Names are unique per owner (providers_owner_profile_name_key), compared exactly. */
export class ProviderNameTakenError extends DomainError {
  readonly code = 'provider_name_taken';
  readonly status = 409;

  constructor(readonly providerName: string) {
    super(`The owner already has a provider named ${JSON.stringify(providerName)}`);
  }
}

/** The If-Match header names another version than the stored one: the client read a stale record. */
export class PreconditionFailedError extends DomainError {
  readonly code = 'precondition_failed';
  readonly status = 412;

  constructor() {
    super('The provider changed since it was read (If-Match does not match its ETag); read it again');
  }
}

/** The request's content is wrong; every problem is listed with its field. */
export class ProviderValidationError extends DomainError {
  readonly code = 'validation_failed';
  readonly status = 400;

  readonly details: { problems: readonly FieldProblem[] };

  constructor(readonly problems: readonly FieldProblem[]) {
    super(problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; '));
    this.details = { problems };
  }
}

/**
 * No account with that number among those the caller has a profile in (a superuser: among all).
 * An account elsewhere answers the same, so nobody learns which account numbers exist.
 */
export class AccountNotFoundError extends DomainError {
  readonly code = 'account_not_found';
  readonly status = 404;

  constructor() {
    super('Account not found');
  }
}
