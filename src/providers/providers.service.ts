import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { AppConfig } from '../config/app-config.js';
import { readScope, type AccessScope, type ReadSubject } from '../permissions/access-scopes.js';
import {
  PROVIDERS_LIST_CLOSE,
  PROVIDERS_LIST_OPEN,
  serializeProviderMini,
  serializeProvidersBatch,
  serializeProvidersList,
} from './dto/provider-mini.serializer.js';
import {
  serializeSmarterBatch,
  serializeSmarterList,
  serializeSmarterProvider,
} from './dto/provider-smarter.serializer.js';
import { fragmentOf, ProvidersCache, type Fragment } from './providers-cache.js';
import { ProvidersRepository, type InAccount, type ProviderMiniRow } from './providers.repository.js';

/** Rows per batch when an answer is streamed. */
export const STREAM_BATCH_ROWS = 10_000;

/**
 * One representation of the list (PROVIDERS_LIST_FORMAT): its query and its serializer, in one
 * piece or batch by batch. Both share the `{"providers":[…]}` envelope.
 */
interface ListFormat {
  whole(scope: AccessScope): Promise<string>;
  /** Each batch's items as JSON text, comma-led after the first, to go between the envelope's ends. */
  batches(scope: AccessScope, batchRows: number): AsyncGenerator<string>;
  /** The cache's fragments of these accounts (see ProvidersCache), one per account that owns any. */
  fragments(accountIds: readonly number[]): Promise<Map<number, Fragment>>;
}

/** Rows by id, each tagged with its account, split into one fragment per account. */
function fragmentsOf<Row extends { id: number }>(
  rows: readonly InAccount<Row>[],
  item: (row: Row) => string,
): Map<number, Fragment> {
  const byAccount = new Map<number, { ids: number[]; items: string[] }>();
  for (const row of rows) {
    let part = byAccount.get(row.fragment_account_id);
    if (!part) byAccount.set(row.fragment_account_id, (part = { ids: [], items: [] }));
    part.ids.push(row.id);
    part.items.push(item(row));
  }
  return new Map([...byAccount].map(([account, part]) => [account, fragmentOf(part.ids, part.items)]));
}

@Injectable()
export class ProvidersService {
  private readonly format: ListFormat;

  constructor(
    private readonly providers: ProvidersRepository,
    private readonly cache: ProvidersCache,
    config: AppConfig,
  ) {
    this.format = config.PROVIDERS_LIST_FORMAT === 'smarter' ? this.smarterFormat() : this.miniFormat();
  }

  /**
   * The providers the user may read, as the JSON body the endpoint sends, in the process's
   * PROVIDERS_LIST_FORMAT: ProviderMiniDto's or ProviderSmarterDto's fields only (never an
   * entity). With the cache on, an ordinary user's answer is composed from the cached
   * fragments of the accounts they read, and a superuser's is the one whole-table answer
   * they all share. The format is fixed per process, so the cache only ever holds this one.
   *
   * A superuser's answer is the whole providers table (8 MB at 100,000 providers), so it is
   * streamed batch by batch from a cursor instead of being held as rows, objects and text
   * at once. Other users' answers are bounded by their accounts and built in one piece.
   */
  async listReadable(user: ReadSubject): Promise<Buffer | Readable> {
    if (this.cache.enabled && user.isActive) {
      if (user.isSuperuser) {
        const cached = this.cache.whole();
        if (cached) return cached;
      } else {
        const composed = await this.cache.answerFor(user, (accounts) => this.format.fragments(accounts));
        if (composed) return composed;
      }
    }
    const ticket = this.cache.ticket();
    if (user.isSuperuser) return this.streamed(user, ticket);
    return Buffer.from(await this.format.whole(readScope(user)));
  }

  /** Every provider the user may read (`provider.read`), by id, each once, as one SQL query. */
  readableProviders(user: ReadSubject | null): Promise<ProviderMiniRow[]> {
    return this.providers.findMini(readScope(user));
  }

  private async streamed(user: ReadSubject, ticket: number): Promise<Readable> {
    const batches = this.format.batches(readScope(user), STREAM_BATCH_ROWS);
    // The first batch is read before answering, so that a database failure is still a 503.
    const first = await batches.next();
    const cache = this.cache;
    async function* body(): AsyncGenerator<Buffer> {
      // Only an active superuser's answer is the whole table the others can share; and only
      // while it could still fit the cache is it collected.
      let keep = cache.enabled && user.isActive;
      const parts: Buffer[] = [];
      let collected = 0;
      const emit = (text: string) => {
        const part = Buffer.from(text);
        if (keep) {
          collected += part.length;
          keep = cache.couldHoldWhole(collected);
          if (keep) parts.push(part);
          else parts.length = 0;
        }
        return part;
      };
      yield emit(PROVIDERS_LIST_OPEN);
      if (!first.done) yield emit(first.value);
      for await (const items of batches) yield emit(items);
      yield emit(PROVIDERS_LIST_CLOSE);
      if (keep) cache.setWhole(ticket, Buffer.concat(parts));
    }
    const stream = Readable.from(body(), { objectMode: false });
    // However the response ends (done, failed, client gone before or during the body), the
    // cursor is closed and its connection goes back to the pool.
    stream.once('close', () => void batches.return(undefined));
    return stream;
  }

  private miniFormat(): ListFormat {
    const providers = this.providers;
    return {
      whole: async (scope) => serializeProvidersList(await providers.findMini(scope)),
      fragments: async (accounts) => fragmentsOf(await providers.findMiniInAccounts(accounts), serializeProviderMini),
      async *batches(scope, batchRows) {
        let first = true;
        for await (const rows of providers.findMiniInBatches(scope, batchRows)) {
          yield serializeProvidersBatch(rows, first);
          first = false;
        }
      },
    };
  }

  private smarterFormat(): ListFormat {
    const providers = this.providers;
    return {
      whole: async (scope) => serializeSmarterList(await providers.findSmarter(scope)),
      fragments: async (accounts) =>
        fragmentsOf(await providers.findSmarterInAccounts(accounts), serializeSmarterProvider),
      async *batches(scope, batchRows) {
        let first = true;
        for await (const rows of providers.findSmarterInBatches(scope, batchRows)) {
          yield serializeSmarterBatch(rows, first);
          first = false;
        }
      },
    };
  }
}
