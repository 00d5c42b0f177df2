import { DomainError } from '../../common/domain-error.js';

/** Why a provider cannot be activated, as the 409 lists them (every one that applies). */
export type ActivationBlocker = 'not_verified' | 'terms_not_accepted' | 'suspended' | 'deprecated';

export class ProviderNotActivatableError extends DomainError {
  readonly code = 'provider_not_activatable';
  readonly status = 409;

  readonly details: { reasons: readonly ActivationBlocker[] };

  constructor(readonly reasons: readonly ActivationBlocker[]) {
    super(`The provider cannot be activated: ${reasons.join(', ')}`);
    this.details = { reasons };
  }
}

/** A transition the provider's status does not allow (verify a suspended one, unsuspend one that is not). */
export class ProviderStatusConflictError extends DomainError {
  readonly code = 'provider_status_conflict';
  readonly status = 409;

  constructor(
    readonly currentStatus: string,
    action: string,
  ) {
    super(`Cannot ${action} a provider whose status is ${currentStatus}`);
    this.details = { provider_status: currentStatus };
  }

  readonly details: { provider_status: string };
}
