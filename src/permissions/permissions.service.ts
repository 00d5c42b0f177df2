import { Injectable } from '@nestjs/common';
import { AccessRepository } from './access.repository.js';
import { createScope, isAccountAction, providerScope, type AccessSubject, type Action } from './access-scopes.js';
import { ActionForbiddenError, ProviderNotFoundError } from './permissions.errors.js';

/**
 * Every access decision, by action (the scopes in access-scopes.ts). Provider actions are
 * asked of provider ids; `provider.create` is asked of account ids, since the provider does
 * not exist yet.
 */
@Injectable()
export class PermissionsService {
  constructor(private readonly access: AccessRepository) {}

  /** The subset of `ids` on which the user may do `action`; ids that do not exist are never in it. */
  checkAccess(user: AccessSubject | null, action: Action, ids: readonly number[]): Promise<Set<number>> {
    return isAccountAction(action)
      ? this.access.accountsWithin(createScope(user), ids)
      : this.access.providersWithin(providerScope(user, action), ids);
  }

  /**
   * Throws unless the user may do `action` on provider `id` (or, for `provider.create`, in
   * account `id`). A provider the user may not read is not found (404), whatever the action,
   * so that its existence does not leak; one they may read but not act on is forbidden (403).
   */
  async requireAccess(user: AccessSubject | null, action: Action, id: number): Promise<void> {
    if ((await this.checkAccess(user, action, [id])).has(id)) return;
    if (isAccountAction(action)) throw new ActionForbiddenError(action);
    if (action === 'provider.read' || !(await this.checkAccess(user, 'provider.read', [id])).has(id)) {
      throw new ProviderNotFoundError(id);
    }
    throw new ActionForbiddenError(action);
  }
}
