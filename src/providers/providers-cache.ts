import { Injectable, Logger, Optional } from '@nestjs/common';
import { LRUCache } from 'lru-cache';
import { AppConfig } from '../config/app-config.js';
import { ChangeAwareCache, type CacheEvents } from '../database/change-aware-cache.js';
import { DataChangesService } from '../database/data-changes.service.js';
import { MetricsService } from '../observability/metrics.service.js';
import type { ReadSubject } from '../permissions/access-scopes.js';
import { UsersRepository } from '../users/users.repository.js';
import { PROVIDERS_LIST_CLOSE, PROVIDERS_LIST_OPEN } from './dto/provider-mini.serializer.js';

/**
 * Which provider changes make a user's list stale: any (superusers), or those in these
 * accounts. It restates `provider.read` (src/permissions/access-scopes.ts) for invalidation:
 * an ordinary user reads the providers owned in their own accounts and in platform accounts,
 * and the triggers announce a change in a platform account as one for everyone (`platform:<id>`
 * or `all`), so their own accounts are the whole scope. test/read-rule-restatements.e2e-spec.ts checks it against the rule.
 */
export type InvalidationScope = 'all' | ReadonlySet<number>;

/**
 * The serialized providers owned in one account, ascending by id: `items` holds each
 * provider's JSON, comma-separated, and `ends[i]` is where item i ends in it. Every provider
 * is owned in exactly one account, so the fragments of different accounts never share one.
 */
export interface Fragment {
  readonly ids: Int32Array;
  readonly ends: Uint32Array;
  readonly items: Buffer;
}

/** A fragment from a list's items (as its serializer writes them) and their ids, both by id. */
export function fragmentOf(ids: readonly number[], items: readonly string[]): Fragment {
  const ends = new Uint32Array(items.length);
  let end = 0;
  for (let i = 0; i < items.length; i++) {
    end += (i > 0 ? 1 : 0) + Buffer.byteLength(items[i]);
    ends[i] = end;
  }
  return { ids: Int32Array.from(ids), ends, items: Buffer.from(items.join(',')) };
}

const OPEN = Buffer.from(PROVIDERS_LIST_OPEN);
const CLOSE = Buffer.from(PROVIDERS_LIST_CLOSE);

/**
 * The whole answer for the union of these fragments: `{"providers":[…]}` with each provider
 * once, by id, byte for byte what the list query and its serializer write. Fragments are
 * merged by runs (a stretch of one fragment below the others' next id is copied at once),
 * so the cost is a copy of the answer and a few comparisons per interleaving.
 */
export function composeList(fragments: readonly Fragment[]): Buffer {
  const parts = fragments.filter((f) => f.ids.length > 0);
  if (parts.length === 0) return Buffer.concat([OPEN, CLOSE]);
  if (parts.length === 1) return Buffer.concat([OPEN, parts[0].items, CLOSE]);
  let size = OPEN.length + CLOSE.length;
  for (const f of parts) size += f.items.length + 1;
  const out = Buffer.allocUnsafe(size);
  let at = OPEN.copy(out, 0);
  const next = new Array<number>(parts.length).fill(0);
  for (let first = true; ; first = false) {
    let best = -1;
    let lowest = Infinity;
    let runnerUp = Infinity;
    for (let i = 0; i < parts.length; i++) {
      if (next[i] >= parts[i].ids.length) continue;
      const id = parts[i].ids[next[i]];
      if (id < lowest) {
        runnerUp = lowest;
        lowest = id;
        best = i;
      } else if (id < runnerUp) runnerUp = id;
    }
    if (best < 0) break;
    const f = parts[best];
    const from = next[best];
    let to = from + 1;
    while (to < f.ids.length && f.ids[to] < runnerUp) to++;
    if (!first) out[at++] = 0x2c; // ','
    at += f.items.copy(out, at, from === 0 ? 0 : f.ends[from - 1] + 1, f.ends[to - 1]);
    next[best] = to;
    // The same provider in two fragments (not made by this service, but never listed twice).
    const last = f.ids[to - 1];
    for (let i = 0; i < parts.length; i++) {
      while (i !== best && next[i] < parts[i].ids.length && parts[i].ids[next[i]] <= last) next[i]++;
    }
  }
  at += CLOSE.copy(out, at);
  return out.subarray(0, at);
}

/** The accounts whose fragments make a user's answer (readableAccountIdsOf). */
interface Plan {
  readonly accounts: readonly number[];
}

/** The superusers' answer: every provider, shared by all of them. */
interface Whole {
  readonly body: Buffer;
}

type Entry = Plan | Fragment | Whole;

/** A user's answer as last composed, and what it was composed from. */
interface Composed {
  readonly body: Buffer;
  readonly plan: Plan;
  readonly fragments: readonly Fragment[];
}

const WHOLE = 'all';
const planKey = (userId: number) => `u:${userId}`;
const fragmentKey = (accountId: number) => `a:${accountId}`;

/**
 * Loads the fragments of these accounts from the database, one per account (empty for an
 * account that owns none), in the process's list format.
 */
export type FragmentLoader = (accountIds: readonly number[]) => Promise<Map<number, Fragment>>;

/**
 * A share of the bound for composed answers: enough to spare the few busiest users a merge,
 * small enough that memory still follows the providers and not the users.
 */
const COMPOSED_SHARE = 1 / 16;

/**
 * The providers list, cached in pieces that follow the data rather than the users: the
 * serialized providers of each account (a fragment), which accounts each user reads (a plan),
 * and one whole-table answer shared by every superuser. An ordinary user's answer is the
 * merge of their plan's fragments. Each piece is dropped by the data-change notifications
 * that can alter it (see ChangeAwareCache): a change in an account (ordinary or platform)
 * drops that account's fragment and the whole table, a change to a user (flags, profiles)
 * that user's plan, and `all` everything; a piece is never older than the last change this instance was
 * told about, and never used while it cannot be told. Everything is bounded in bytes (LRU) by
 * PROVIDERS_CACHE_MAX_BYTES; a piece the bound cannot hold is read from the database for
 * the answer at hand and not kept.
 *
 * A few composed answers are kept on top, each valid only while its plan and every one of
 * its fragments are still the cached ones (so it needs no invalidation of its own).
 */
@Injectable()
export class ProvidersCache {
  private readonly logger = new Logger(ProvidersCache.name);
  private readonly cache: ChangeAwareCache<string, Entry> | null;
  private readonly composed: LRUCache<number, Composed> | null;
  /** The pieces' share of the bound: the largest entry, such as the whole table, it can keep. */
  private readonly wholeMaxBytes: number;
  private readonly events?: CacheEvents;
  /** Fragment loads under way, by account, with the generation they started at. */
  private readonly loading = new Map<number, { ticket: number; fragment: Promise<Fragment> }>();

  constructor(
    config: AppConfig,
    changes: DataChangesService,
    private readonly users: UsersRepository,
    @Optional() metrics?: MetricsService,
  ) {
    const enabled = config.providersCache && config.PROVIDERS_CACHE_MAX_BYTES > 0;
    this.events = metrics?.cacheObserver('providers_list_cache', 'The providers list cache', () => this.stats());
    const events = this.events;
    const composedBytes = Math.floor(config.PROVIDERS_CACHE_MAX_BYTES * COMPOSED_SHARE);
    this.wholeMaxBytes = config.PROVIDERS_CACHE_MAX_BYTES - composedBytes;
    this.cache = enabled
      ? new ChangeAwareCache<string, Entry>(
          changes,
          { maxSize: this.wholeMaxBytes, sizeCalculation: sizeOf },
          (change, entries) => {
            if (change.kind === 'user') {
              entries.delete(planKey(change.userId));
              return;
            }
            entries.delete(fragmentKey(change.accountId));
            entries.delete(WHOLE);
          },
          // Hits and misses are counted per answer (below), not per piece.
          events && { hit: () => {}, miss: () => {}, evicted: () => events.evicted() },
          // Every user's list, but only through this account's fragment (or the whole table).
          (accountId, entries) => {
            entries.delete(fragmentKey(accountId));
            entries.delete(WHOLE);
          },
        )
      : null;
    this.composed =
      enabled && composedBytes > 0
        ? new LRUCache<number, Composed>({ maxSize: composedBytes, sizeCalculation: (c) => c.body.length + 64 })
        : null;
    if (config.PROVIDERS_CACHE === 'on' && !config.providersCache) {
      this.logger.warn('PROVIDERS_CACHE=on is ignored with the embedded database (no connection for LISTEN)');
    }
  }

  get enabled(): boolean {
    return this.cache !== null;
  }

  /** Take before reading anything the cached value depends on; hand back to `setWhole`. */
  ticket(): number {
    return this.cache?.ticket() ?? 0;
  }

  /** The superusers' shared answer, if it is held. */
  whole(): Buffer | undefined {
    const entry = this.cache?.get(WHOLE) as Whole | undefined;
    if (this.cache) this.count(entry !== undefined);
    return entry?.body;
  }

  setWhole(ticket: number, body: Buffer): void {
    this.cache?.set(ticket, WHOLE, { body });
  }

  /**
   * Whether a whole-table answer of `bytes` could be kept at all: one larger than the bound
   * is not worth collecting while it streams (at a million providers it is tens of MiB).
   */
  couldHoldWhole(bytes: number): boolean {
    return this.cache !== null && ENTRY_OVERHEAD + bytes <= this.wholeMaxBytes;
  }

  /**
   * An active ordinary user's answer, composed from the cached pieces, those missing loaded
   * (the plan by UsersRepository, fragments by `load`, all missing ones in one query) and
   * kept for next time. Undefined when the cache cannot be trusted now (off, listener down):
   * the caller reads the database.
   */
  async answerFor(user: ReadSubject, load: FragmentLoader): Promise<Buffer | undefined> {
    const cache = this.cache;
    if (!cache?.isLive || user.isSuperuser || !user.isActive) return undefined;
    const held = this.composed?.get(user.id);
    if (held && this.stillValid(held, user.id)) {
      this.count(true);
      return held.body;
    }
    let hit = true;
    let plan = cache.get(planKey(user.id)) as Plan | undefined;
    if (!plan) {
      hit = false;
      const ticket = cache.ticket();
      plan = { accounts: await this.users.readableAccountIdsOf(user.id) };
      cache.set(ticket, planKey(user.id), plan);
    }
    // In the plan's order, so that a composed answer can be checked piece by piece.
    const fragments = plan.accounts.map((account) => cache.get(fragmentKey(account)) as Fragment | undefined);
    const missing = plan.accounts.filter((_, i) => fragments[i] === undefined);
    if (missing.length > 0) {
      hit = false;
      const ticket = cache.ticket();
      const loaded = await Promise.all(this.loadShared(ticket, missing, load));
      missing.forEach((account, i) => {
        cache.set(ticket, fragmentKey(account), loaded[i]);
        fragments[plan.accounts.indexOf(account)] = loaded[i];
      });
    }
    this.count(hit);
    const body = composeList(fragments as Fragment[]);
    const composed = { body, plan, fragments: fragments as Fragment[] };
    if (this.composed && this.stillValid(composed, user.id)) this.composed.set(user.id, composed);
    return body;
  }

  /** For tests and the benchmark: what the bound is holding now. */
  stats(): { entries: number; bytes: number; maxBytes: number } {
    const pieces = this.cache?.stats() ?? { entries: 0, bytes: 0, maxBytes: 0 };
    const c = this.composed;
    return {
      entries: pieces.entries + (c?.size ?? 0),
      bytes: pieces.bytes + (c?.calculatedSize ?? 0),
      maxBytes: pieces.maxBytes + (c?.maxSize ?? 0),
    };
  }

  /** The changes that can alter this user's list (see InvalidationScope). */
  async scopeFor(user: Pick<ReadSubject, 'id' | 'isSuperuser'>): Promise<InvalidationScope> {
    return user.isSuperuser ? 'all' : this.users.accountIdsOf(user.id);
  }

  /**
   * The fragments of these accounts, each from a load already under way since the same
   * generation (as fresh as one started now: no change has been told since), the others in
   * one new load. After a change to a busy account, its many readers then wait for one query
   * instead of each running it.
   */
  private loadShared(ticket: number, accounts: readonly number[], load: FragmentLoader): Promise<Fragment>[] {
    const fresh = accounts.filter((a) => this.loading.get(a)?.ticket !== ticket);
    if (fresh.length > 0) {
      const batch = load(fresh);
      for (const account of fresh) {
        const entry = { ticket, fragment: batch.then((m) => m.get(account) ?? EMPTY) };
        this.loading.set(account, entry);
        const done = () => {
          if (this.loading.get(account) === entry) this.loading.delete(account);
        };
        entry.fragment.then(done, done);
      }
    }
    return accounts.map((a) => this.loading.get(a)!.fragment);
  }

  /** Whether every piece a composed answer was made of is still the one the cache holds. */
  private stillValid(c: Composed, userId: number): boolean {
    const cache = this.cache!;
    if (!cache.isLive || cache.get(planKey(userId)) !== c.plan) return false;
    for (let i = 0; i < c.plan.accounts.length; i++) {
      if (cache.get(fragmentKey(c.plan.accounts[i])) !== c.fragments[i]) return false;
    }
    return true;
  }

  private count(hit: boolean): void {
    if (hit) this.events?.hit();
    else this.events?.miss();
  }
}

const EMPTY: Fragment = Object.freeze(fragmentOf([], []));

/** A rough allowance, per entry, for its key, object and place in the LRU. */
const ENTRY_OVERHEAD = 160;

/** Bytes of an entry, plus ENTRY_OVERHEAD. */
function sizeOf(entry: Entry): number {
  if ('accounts' in entry) return ENTRY_OVERHEAD + entry.accounts.length * 8;
  if ('ids' in entry) return ENTRY_OVERHEAD + entry.items.length + entry.ids.length * 8;
  return ENTRY_OVERHEAD + entry.body.length;
}
