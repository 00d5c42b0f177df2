import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PermissionsService } from '../../permissions/permissions.service.js';
import type { ProviderAction } from '../../permissions/access-scopes.js';
import { ProviderNotFoundError } from '../../permissions/permissions.errors.js';
import type { AuthUser } from '../../users/auth-user.js';
import {
  ProviderHistoryRepository,
  type HistoryAction,
  type HistoryEntry,
} from '../history/provider-history.repository.js';
import { LifecycleRepository, type StatusChange } from './lifecycle.repository.js';
import {
  ProviderNotActivatableError,
  ProviderStatusConflictError,
  type ActivationBlocker,
} from './lifecycle.errors.js';
import { toProviderStatusDto, type ProviderStatusDto, type ProviderStatusRow } from './provider-status.dto.js';

/** Every reason the provider cannot be active; empty when it can. */
export function activationBlockers(row: ProviderStatusRow): ActivationBlocker[] {
  const reasons: ActivationBlocker[] = [];
  if (!row.is_verified) reasons.push('not_verified');
  if (!row.tos_accepted_at) reasons.push('terms_not_accepted');
  if (row.status === 'suspended') reasons.push('suspended');
  if (row.status === 'deprecated') reasons.push('deprecated');
  return reasons;
}

/**
 * Activation and moderation. Each call checks access first, then decides on the row locked in
 * its transaction, and writes the change and its history rows in that same transaction. A call
 * that would change nothing (activating an active provider) answers the state as it is.
 */
@Injectable()
export class LifecycleService {
  constructor(
    private readonly db: DataSource,
    private readonly permissions: PermissionsService,
    private readonly lifecycle: LifecycleRepository,
    private readonly history: ProviderHistoryRepository,
  ) {}

  activate(user: AuthUser, id: number): Promise<ProviderStatusDto> {
    return this.transition(user, id, 'provider.manage', 'activate', (row) => {
      const reasons = activationBlockers(row);
      if (reasons.length) throw new ProviderNotActivatableError(reasons);
      return { isActive: true };
    });
  }

  deactivate(user: AuthUser, id: number): Promise<ProviderStatusDto> {
    return this.transition(user, id, 'provider.manage', 'deactivate', () => ({ isActive: false }));
  }

  /** Suspending also deactivates; unsuspending does not reactivate (that is `activate`). */
  suspend(user: AuthUser, id: number): Promise<ProviderStatusDto> {
    return this.transition(user, id, 'provider.moderate', 'suspend', () => ({ status: 'suspended', isActive: false }));
  }

  /** Back to what verification last said: verified if it passed, else unverified. */
  unsuspend(user: AuthUser, id: number): Promise<ProviderStatusDto> {
    return this.transition(user, id, 'provider.moderate', 'unsuspend', (row) => {
      if (row.status !== 'suspended') throw new ProviderStatusConflictError(row.status, 'unsuspend');
      return { status: row.is_verified ? 'verified' : 'unverified' };
    });
  }

  deprecate(user: AuthUser, id: number): Promise<ProviderStatusDto> {
    return this.transition(user, id, 'provider.moderate', 'deprecate', () => ({
      status: 'deprecated',
      isActive: false,
    }));
  }

  private async transition(
    user: AuthUser,
    id: number,
    access: ProviderAction,
    action: HistoryAction,
    decide: (row: ProviderStatusRow) => StatusChange,
  ): Promise<ProviderStatusDto> {
    await this.permissions.requireAccess(user, access, id);
    return this.db.transaction(async (manager) => {
      const before = await this.lifecycle.lockStatus(manager, id);
      if (!before) throw new ProviderNotFoundError(id);
      const change = decide(before);
      const entries: HistoryEntry[] = [];
      if (change.status !== undefined && change.status !== before.status) {
        entries.push({
          providerId: id,
          changedBy: user.id,
          action,
          field: 'status',
          oldValue: before.status,
          newValue: change.status,
        });
      }
      if (change.isActive !== undefined && change.isActive !== before.is_active) {
        entries.push({
          providerId: id,
          changedBy: user.id,
          action,
          field: 'is_active',
          oldValue: String(before.is_active),
          newValue: String(change.isActive),
        });
      }
      if (entries.length === 0) return toProviderStatusDto(before);
      const after = await this.lifecycle.apply(manager, id, change, user.id);
      await this.history.append(manager, entries);
      return toProviderStatusDto(after);
    });
  }
}
