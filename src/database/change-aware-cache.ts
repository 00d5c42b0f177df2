import { LRUCache } from 'lru-cache';
import type { DataChange, DataChangesService } from './data-changes.service.js';

/** Told of each look-up's outcome and of each entry the size bound pushes out (for metrics). */
export interface CacheEvents {
  hit(): void;
  miss(): void;
  evicted(): void;
}

// Keys and values are any non-nullish value, as lru-cache's own `{}` bound says.
type Options<K extends NonNullable<unknown>, V extends NonNullable<unknown>> = LRUCache.Options<K, V, unknown> & {
  max?: number;
  maxSize?: number;
};

/**
 * An in-process LRU whose entries are only trusted while the change listener is live, and
 * which refuses a value read before a change that arrived meanwhile (the ticket). `all` and
 * `reset` changes clear it; `invalidate` says which entries a `user` or `account` change hits.
 * A `platform` change (every user's list) clears it too, unless `platform` says which entries
 * it hits: only a cache that keeps the platform's providers apart can say.
 */
export class ChangeAwareCache<K extends NonNullable<unknown>, V extends NonNullable<unknown>> {
  private readonly entries: LRUCache<K, V>;

  constructor(
    private readonly changes: DataChangesService,
    options: Options<K, V>,
    invalidate: (change: Extract<DataChange, { kind: 'user' | 'account' }>, entries: LRUCache<K, V>) => void,
    private readonly events?: CacheEvents,
    platform?: (accountId: number, entries: LRUCache<K, V>) => void,
  ) {
    this.entries = new LRUCache<K, V>(
      events ? { ...options, disposeAfter: (_v, _k, reason) => reason === 'evict' && events.evicted() } : options,
    );
    changes.subscribe((change) => {
      if (change.kind === 'user' || change.kind === 'account') invalidate(change, this.entries);
      else if (change.kind === 'platform' && platform) platform(change.accountId, this.entries);
      else this.entries.clear();
    });
  }

  /** Take before reading what the value is made of; hand it back to `set`. */
  ticket(): number {
    return this.changes.generation;
  }

  get(key: K): V | undefined {
    const value = this.changes.isLive ? this.entries.get(key) : undefined;
    if (value === undefined) this.events?.miss();
    else this.events?.hit();
    return value;
  }

  set(ticket: number, key: K, value: V): void {
    if (this.changes.isLive && ticket === this.changes.generation) this.entries.set(key, value);
  }

  get isLive(): boolean {
    return this.changes.isLive;
  }

  stats(): { entries: number; bytes: number; maxBytes: number } {
    return { entries: this.entries.size, bytes: this.entries.calculatedSize ?? 0, maxBytes: this.entries.maxSize ?? 0 };
  }
}

/**
 * A cache of one entry per user id, each dropped when its user changes (flags, profiles,
 * sign-outs: the `user:<id>` notifications) and cleared on `all` and `reset`. Account and
 * platform changes keep every entry: a provider changing says nothing about who a user is or
 * which tokens they signed out. For the per-request user check and sign-out check.
 */
export function perUserCache<V extends NonNullable<unknown>>(
  changes: DataChangesService,
  max = 100_000,
): ChangeAwareCache<number, V> {
  return new ChangeAwareCache<number, V>(
    changes,
    { max },
    (change, entries) => {
      if (change.kind === 'user') entries.delete(change.userId);
    },
    undefined,
    () => {},
  );
}
