import { Injectable, Logger, Optional } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { ChangeAwareCache } from '../database/change-aware-cache.js';
import { DataChangesService } from '../database/data-changes.service.js';
import { MetricsService } from '../observability/metrics.service.js';
import type { ReadSubject } from '../permissions/access-scopes.js';
import { UsersRepository } from '../users/users.repository.js';

/**
 * Which provider changes make a user's list stale: any (superusers), or those in these
 * accounts. It restates `provider.read` (src/permissions/access-scopes.ts) for invalidation:
 * an ordinary user reads the providers owned in their own accounts and in platform accounts,
 * and the triggers announce a change in a platform account as `all`, so their own accounts
 * are the whole scope. test/read-rule-restatements.e2e-spec.ts checks it against the rule.
 */
export type InvalidationScope = 'all' | ReadonlySet<number>;

interface Entry {
  body: Buffer;
  scope: InvalidationScope;
  /** The flag the list was computed with; a request whose user says otherwise is a miss. */
  isSuperuser: boolean;
}

/**
 * Each user's serialized providers list, bounded in bytes (LRU), dropped by the data-change
 * notifications that can alter it (see ChangeAwareCache): a cached answer is never older than
 * the last change this instance was told about, and never used while it cannot be told.
 */
@Injectable()
export class ProvidersCache {
  private readonly logger = new Logger(ProvidersCache.name);
  private readonly cache: ChangeAwareCache<number, Entry> | null;

  constructor(
    config: AppConfig,
    changes: DataChangesService,
    private readonly users: UsersRepository,
    @Optional() metrics?: MetricsService,
  ) {
    const enabled = config.providersCache && config.PROVIDERS_CACHE_MAX_BYTES > 0;
    this.cache = enabled
      ? new ChangeAwareCache<number, Entry>(
          changes,
          {
            maxSize: config.PROVIDERS_CACHE_MAX_BYTES,
            // Bytes of the body plus a rough allowance for the entry and its scope.
            sizeCalculation: (e) => e.body.length + 64 + (e.scope === 'all' ? 0 : e.scope.size * 16),
          },
          (change, entries) => {
            if (change.kind === 'user') {
              entries.delete(change.userId);
              return;
            }
            for (const [userId, entry] of entries.entries()) {
              if (entry.scope === 'all' || entry.scope.has(change.accountId)) entries.delete(userId);
            }
          },
          metrics?.cacheObserver('providers_list_cache', 'The providers list cache', () => this.stats()),
        )
      : null;
    if (config.PROVIDERS_CACHE === 'on' && !config.providersCache) {
      this.logger.warn('PROVIDERS_CACHE=on is ignored with the embedded database (no connection for LISTEN)');
    }
  }

  get enabled(): boolean {
    return this.cache !== null;
  }

  /** Take before reading anything the cached value depends on; hand back to `set`. */
  ticket(): number {
    return this.cache?.ticket() ?? 0;
  }

  /**
   * The flags come from the signed-in user, who may have been loaded a moment before a
   * change to them was announced: comparing them here means such a list is never served to
   * a request that knows better, whatever the order of events.
   */
  get(user: { id: number; isSuperuser: boolean }): Buffer | undefined {
    const entry = this.cache?.get(user.id);
    return entry?.isSuperuser === user.isSuperuser ? entry.body : undefined;
  }

  async set(ticket: number, user: { id: number; isSuperuser: boolean }, body: Buffer): Promise<void> {
    if (!this.cache?.isLive) return;
    const scope = await this.scopeFor(user);
    this.cache.set(ticket, user.id, { body, scope, isSuperuser: user.isSuperuser });
  }

  /** For tests and the benchmark: what the bound is holding now. */
  stats(): { entries: number; bytes: number; maxBytes: number } {
    return this.cache?.stats() ?? { entries: 0, bytes: 0, maxBytes: 0 };
  }

  /** The changes that can alter this user's list (see InvalidationScope). */
  async scopeFor(user: Pick<ReadSubject, 'id' | 'isSuperuser'>): Promise<InvalidationScope> {
    return user.isSuperuser ? 'all' : this.users.accountIdsOf(user.id);
  }
}
