import { DomainError } from '../common/domain-error.js';

/**
 * The provider does not exist, or the user may not read it: the two answer alike, so that
 * nobody learns which providers exist outside what they may read.
 */
export class ProviderNotFoundError extends DomainError {
  readonly code = 'provider_not_found';
  readonly status = 404;

  constructor(readonly providerId: number) {
    super('Provider not found');
  }
}

/** The user may read the provider (or is asking about an account) but may not do this to it. */
export class ActionForbiddenError extends DomainError {
  readonly code = 'action_forbidden';
  readonly status = 403;

  constructor(readonly action: string) {
    super(`Not allowed: ${action}`);
  }
}
