import { Injectable } from '@nestjs/common';
import { AccessRepository } from './access.repository.js';
import {
  createScope,
  isAccountAction,
  providerScope,
  readScope,
  useScope,
  type AccessScope,
  type AccessSubject,
  type Action,
} from './access-scopes.js';
import { ActionForbiddenError, ProviderNotFoundError } from './permissions.errors.js';

/** A readable provider as the passthrough needs it; the key is still the secrets envelope. */
export interface ProviderForUse {
  id: number;
  name: string;
  baseUrl: string | null;
  defaultModel: string;
  apiKeyCiphertext: string | null;
  isActive: boolean;
  /** `provider.use`: the caller may send prompts through it. */
  usable: boolean;
}

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
   * The providers `match` (a condition on `p`) names among those the user may read, each with
   * what a passthrough call needs of it and `usable`, the `provider.use` decision. A provider
   * the user may not read is not in the answer at all. Lookup and decision are one query, since
   * the passthrough asks both on every call.
   */
  async providersForUse(user: AccessSubject | null, match: AccessScope): Promise<ProviderForUse[]> {
    const rows = await this.access.providersForUse(readScope(user), useScope(user), match);
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      baseUrl: r.base_url,
      defaultModel: r.default_model,
      apiKeyCiphertext: r.api_key_ciphertext,
      isActive: r.is_active,
      usable: r.usable,
    }));
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
