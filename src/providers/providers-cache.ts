import { Injectable, Logger } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config.js';
import { DataChangesService, type DataChange } from '../database/data-changes.service.js';

/** Which changes make an entry stale: any provider change (superusers), or those in these accounts. */
type Scope = 'all' | ReadonlySet<number>;

interface Entry {
  body: Buffer;
  scope: Scope;
  /** The flag the list was computed with; a request whose user says otherwise is a miss. */
  isSuperuser: boolean;
}

/**
 * Each user's serialized providers list, bounded in bytes (LRU), dropped by the data-change
 * notifications that can alter it. It is only read or written while the change listener is
 * live, and a value computed before a change that arrived meanwhile is not stored: a cached
 * answer is never older than the last change this instance was told about.
 */
@Injectable()
export class ProvidersCache {
  private readonly logger = new Logger(ProvidersCache.name);
  private readonly entries: LRUCache<number, Entry> | null;

  constructor(
    config: AppConfig,
    private readonly changes: DataChangesService,
    private readonly db: DataSource,
  ) {
    const enabled = config.providersCache && config.PROVIDERS_CACHE_MAX_BYTES > 0;
    this.entries = enabled
      ? new LRUCache<number, Entry>({
          maxSize: config.PROVIDERS_CACHE_MAX_BYTES,
          // Bytes of the body plus a rough allowance for the entry and its scope.
          sizeCalculation: (e) => e.body.length + 64 + (e.scope === 'all' ? 0 : e.scope.size * 16),
        })
      : null;
    if (enabled) changes.subscribe((change) => this.apply(change));
    if (config.PROVIDERS_CACHE === 'on' && !config.providersCache) {
      this.logger.warn('PROVIDERS_CACHE=on is ignored with the embedded database (no connection for LISTEN)');
    }
  }

  get enabled(): boolean {
    return this.entries !== null;
  }

  /** Take before reading anything the cached value depends on; hand back to `set`. */
  ticket(): number {
    return this.changes.generation;
  }

  /**
   * The flags come from the signed-in user, who may have been loaded a moment before a
   * change to them was announced: comparing them here means such a list is never served to
   * a request that knows better, whatever the order of events.
   */
  get(user: { id: number; isSuperuser: boolean }): Buffer | undefined {
    if (!this.entries || !this.changes.isLive) return undefined;
    const entry = this.entries.get(user.id);
    return entry?.isSuperuser === user.isSuperuser ? entry.body : undefined;
  }

  async set(ticket: number, user: { id: number; isSuperuser: boolean }, body: Buffer): Promise<void> {
    if (!this.entries || !this.changes.isLive) return;
    const scope = user.isSuperuser ? 'all' : await this.accountsOf(user.id);
    if (ticket !== this.changes.generation || !this.changes.isLive) return;
    this.entries.set(user.id, { body, scope, isSuperuser: user.isSuperuser });
  }

  /** For tests and the benchmark: what the bound is holding now. */
  stats(): { entries: number; bytes: number; maxBytes: number } {
    return { entries: this.entries?.size ?? 0, bytes: this.entries?.calculatedSize ?? 0, maxBytes: this.entries?.maxSize ?? 0 };
  }

  private apply(change: DataChange): void {
    const entries = this.entries!;
    switch (change.kind) {
      case 'user':
        entries.delete(change.userId);
        return;
      case 'account':
        for (const [userId, entry] of entries.entries()) {
          if (entry.scope === 'all' || entry.scope.has(change.accountId)) entries.delete(userId);
        }
        return;
      default:
        entries.clear();
    }
  }

  private async accountsOf(userId: number): Promise<ReadonlySet<number>> {
    const rows: { account_id: number }[] = await this.db.query(
      'SELECT account_id FROM user_profiles WHERE user_id = $1',
      [userId],
    );
    return new Set(rows.map((r) => r.account_id));
  }
}
