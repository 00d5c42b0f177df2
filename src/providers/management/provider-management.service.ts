import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import { manageScope, readScope } from '../../permissions/access-scopes.js';
import { ProviderNotFoundError } from '../../permissions/permissions.errors.js';
import { PermissionsService } from '../../permissions/permissions.service.js';
import { lastFour } from '../../secrets/last-four.js';
import { SecretsService } from '../../secrets/secrets.service.js';
import type { AuthUser } from '../../users/auth-user.js';
import { ProviderHistoryRepository, type HistoryEntry } from '../history/provider-history.repository.js';
import { AccountNotFoundError, PreconditionFailedError } from '../providers.errors.js';
import {
  UPDATABLE_FIELDS,
  type ApiKeyDto,
  type CreateProviderDto,
  type UpdatableField,
  type UpdateProviderDto,
} from './dto/provider-input.dto.js';
import { DEFAULT_PAGE_SIZE, type HistoryQuery, type ListProvidersQuery } from './dto/list-providers.query.js';
import type { HistoryPageDto, ProviderPageDto, ProviderRecordDto } from './dto/provider-record.dto.js';
import { etagOf, matchesIfMatch } from './etag.js';
import { toHistoryEntryDto, toProviderRecordDto } from './provider-record.mapper.js';
import { ProviderRecordsRepository, type LockedProvider } from './provider-records.repository.js';

/** What a write answers: the record as it now is (its ETag is etagOf(record)). */
export type Written = ProviderRecordDto;

/**
 * Provider management: reads, create, change, delete, the API key and the terms. Each method
 * asks PermissionsService first, then applies the domain rule, then writes the change and its
 * history rows in one transaction.
 */
@Injectable()
export class ProviderManagementService {
  constructor(
    private readonly db: DataSource,
    private readonly permissions: PermissionsService,
    private readonly records: ProviderRecordsRepository,
    private readonly history: ProviderHistoryRepository,
    private readonly secrets: SecretsService,
  ) {}

  async list(user: AuthUser, query: ListProvidersQuery): Promise<ProviderPageDto> {
    const scope = query.scope === 'manageable' ? manageScope(user) : readScope(user);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.records.findPage(
      scope,
      { q: query.q, status: query.status, accountNumber: query.account, afterId: query.cursor },
      limit + 1,
    );
    const items = rows.slice(0, limit).map(toProviderRecordDto);
    return { items, next_cursor: rows.length > limit ? String(items[items.length - 1].id) : null };
  }

  async get(user: AuthUser, id: number): Promise<ProviderRecordDto> {
    await this.permissions.requireAccess(user, 'provider.read', id);
    return this.recordOrNotFound(id);
  }

  async create(user: AuthUser, input: CreateProviderDto): Promise<ProviderRecordDto> {
    const account = await this.records.accountFor(user.id, user.isSuperuser, input.account_number);
    if (!account) throw new AccountNotFoundError();
    await this.permissions.requireAccess(user, 'provider.create', account.accountId);
    // createScope requires a profile in the account, so a profile exists past requireAccess.
    const ownerProfileId = account.profileId!;
    const fields = UPDATABLE_FIELDS.filter((f) => input[f] !== undefined);
    const id = await this.db.transaction(async (manager) => {
      if (input.is_default) await this.records.lockAccount(manager, account.accountId);
      const created = await this.records.insert(manager, { ...input, ownerProfileId, createdBy: user.id }, fields);
      const cleared = input.is_default
        ? await this.records.clearOtherDefaults(manager, account.accountId, created, user.id)
        : [];
      await this.history.append(manager, [
        { providerId: created, changedBy: user.id, action: 'create', field: null, newValue: input.name },
        ...cleared.map((other) => defaultCleared(other, user.id)),
      ]);
      return created;
    });
    return this.recordOrNotFound(id);
  }

  async update(user: AuthUser, id: number, input: UpdateProviderDto, ifMatch?: string): Promise<ProviderRecordDto> {
    await this.permissions.requireAccess(user, 'provider.manage', id);
    await this.db.transaction(async (manager) => {
      const accountId = input.is_default ? await this.records.accountOf(manager, id) : undefined;
      if (accountId !== undefined) await this.records.lockAccount(manager, accountId);
      const current = await this.lockedMatching(manager, id, ifMatch);
      const changes: Partial<Record<UpdatableField, string | boolean | null>> = {};
      const entries: HistoryEntry[] = [];
      for (const field of UPDATABLE_FIELDS) {
        const value = input[field];
        if (value === undefined || value === current[field]) continue;
        changes[field] = value;
        entries.push({
          providerId: id,
          changedBy: user.id,
          action: 'update',
          field,
          oldValue: historyValue(current[field]),
          newValue: historyValue(value),
        });
      }
      if (entries.length === 0) return;
      if (!(await this.records.update(manager, id, current.row_version, changes, user.id))) {
        throw new PreconditionFailedError();
      }
      if (changes.is_default === true) {
        const cleared = await this.records.clearOtherDefaults(manager, current.account_id, id, user.id);
        entries.push(...cleared.map((other) => defaultCleared(other, user.id)));
      }
      await this.history.append(manager, entries);
    });
    return this.recordOrNotFound(id);
  }

  async delete(user: AuthUser, id: number, ifMatch?: string): Promise<void> {
    await this.permissions.requireAccess(user, 'provider.manage', id);
    await this.db.transaction(async (manager) => {
      const current = await this.lockedMatching(manager, id, ifMatch);
      await this.history.append(manager, [
        { providerId: id, changedBy: user.id, action: 'delete', field: null, oldValue: String(current.name) },
      ]);
      await this.records.delete(manager, id);
    });
  }

  async setApiKey(user: AuthUser, id: number, input: ApiKeyDto): Promise<void> {
    await this.permissions.requireAccess(user, 'provider.manage', id);
    const ciphertext = this.secrets.encrypt(input.api_key);
    await this.db.transaction(async (manager) => {
      const current = await this.lockedMatching(manager, id);
      await this.records.setApiKey(manager, id, ciphertext, lastFour(input.api_key), user.id);
      await this.history.append(manager, [
        {
          providerId: id,
          changedBy: user.id,
          action: 'api_key_set',
          field: 'api_key',
          oldValue: current.has_api_key ? KEY_PLACEHOLDER : null,
          newValue: KEY_PLACEHOLDER,
        },
      ]);
    });
  }

  async clearApiKey(user: AuthUser, id: number): Promise<void> {
    await this.permissions.requireAccess(user, 'provider.manage', id);
    await this.db.transaction(async (manager) => {
      const current = await this.lockedMatching(manager, id);
      if (!current.has_api_key) return;
      await this.records.setApiKey(manager, id, null, null, user.id);
      await this.history.append(manager, [
        { providerId: id, changedBy: user.id, action: 'api_key_cleared', field: 'api_key', oldValue: KEY_PLACEHOLDER },
      ]);
    });
  }

  async acceptTerms(user: AuthUser, id: number): Promise<ProviderRecordDto> {
    await this.permissions.requireAccess(user, 'provider.manage', id);
    await this.db.transaction(async (manager) => {
      await this.lockedMatching(manager, id);
      const at = await this.records.acceptTerms(manager, id, user.id);
      await this.history.append(manager, [
        {
          providerId: id,
          changedBy: user.id,
          action: 'terms_accepted',
          field: 'tos_accepted_at',
          newValue: at.toISOString(),
        },
      ]);
    });
    return this.recordOrNotFound(id);
  }

  /** Who changed what: only for those who may manage the provider, since it names its editors. */
  async historyOf(user: AuthUser, id: number, query: HistoryQuery): Promise<HistoryPageDto> {
    await this.permissions.requireAccess(user, 'provider.manage', id);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.history.listFor(id, limit + 1, query.cursor?.toString());
    const items = rows.slice(0, limit).map(toHistoryEntryDto);
    return { items, next_cursor: rows.length > limit ? items[items.length - 1].id : null };
  }

  /** The provider locked for this transaction; 412 when If-Match names another version. */
  private async lockedMatching(manager: EntityManager, id: number, ifMatch?: string): Promise<LockedProvider> {
    const current = await this.records.lockProvider(manager, id);
    // Deleted between the access check and the lock.
    if (!current) throw new ProviderNotFoundError(id);
    if (ifMatch !== undefined && !matchesIfMatch(ifMatch, etagOf(current))) throw new PreconditionFailedError();
    return current;
  }

  private async recordOrNotFound(id: number): Promise<ProviderRecordDto> {
    const row = await this.records.findOne(id);
    if (!row) throw new ProviderNotFoundError(id);
    return toProviderRecordDto(row);
  }
}

/** What history shows for an API key, whatever it was or became. */
const KEY_PLACEHOLDER = 'changed';

function historyValue(value: string | boolean | null | undefined): string | null {
  return value === null || value === undefined ? null : String(value);
}

function defaultCleared(providerId: number, changedBy: number): HistoryEntry {
  return { providerId, changedBy, action: 'update', field: 'is_default', oldValue: 'true', newValue: 'false' };
}
