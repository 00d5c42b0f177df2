import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { ChangeAwareCache } from '../database/change-aware-cache.js';
import { DataChangesService } from '../database/data-changes.service.js';

interface Entry {
  body: Buffer;
  /** Which changes make it stale: any provider change (superusers), or those in these accounts. */
  scope: 'all' | ReadonlySet<number>;
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
    private readonly db: DataSource,
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
    const scope = user.isSuperuser ? 'all' : await this.accountsOf(user.id);
    this.cache.set(ticket, user.id, { body, scope, isSuperuser: user.isSuperuser });
  }

  /** For tests and the benchmark: what the bound is holding now. */
  stats(): { entries: number; bytes: number; maxBytes: number } {
    return this.cache?.stats() ?? { entries: 0, bytes: 0, maxBytes: 0 };
  }

  private async accountsOf(userId: number): Promise<ReadonlySet<number>> {
    const rows: { account_id: number }[] = await this.db.query('SELECT account_id FROM user_profiles WHERE user_id = $1', [
      userId,
    ]);
    return new Set(rows.map((r) => r.account_id));
  }
}
