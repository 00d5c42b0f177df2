import { Injectable } from '@nestjs/common';
import { Readable } from 'node:stream';
import { readScope, type ReadSubject } from '../permissions/access-scopes.js';
import {
  PROVIDERS_LIST_CLOSE,
  PROVIDERS_LIST_OPEN,
  serializeProvidersBatch,
  serializeProvidersList,
} from './dto/provider-mini.serializer.js';
import { ProvidersCache } from './providers-cache.js';
import { ProvidersRepository, type ProviderMiniRow } from './providers.repository.js';

/** Rows per batch when an answer is streamed. */
export const STREAM_BATCH_ROWS = 10_000;

@Injectable()
export class ProvidersService {
  constructor(
    private readonly providers: ProvidersRepository,
    private readonly cache: ProvidersCache,
  ) {}

  /**
   * The providers the user may read, as the JSON body the endpoint sends: ProviderMiniDto's
   * fields only (never an entity), from the per-user cache when it is on.
   *
   * A superuser's answer is the whole providers table (8 MB at 100,000 providers), so it is
   * streamed batch by batch from a cursor instead of being held as rows, objects and text
   * at once. Other users' answers are bounded by their accounts and built in one piece.
   */
  async listReadable(user: ReadSubject): Promise<Buffer | Readable> {
    const cached = this.cache.get(user);
    if (cached) return cached;
    const ticket = this.cache.ticket();
    if (user.isSuperuser) return this.streamed(user, ticket);
    const body = Buffer.from(serializeProvidersList(await this.readableProviders(user)));
    await this.cache.set(ticket, user, body);
    return body;
  }

  /** Every provider the user may read (`provider.read`), by id, each once, as one SQL query. */
  readableProviders(user: ReadSubject | null): Promise<ProviderMiniRow[]> {
    return this.providers.findMini(readScope(user));
  }

  private async streamed(user: ReadSubject, ticket: number): Promise<Readable> {
    const batches = this.providers.findMiniInBatches(readScope(user), STREAM_BATCH_ROWS);
    // The first batch is read before answering, so that a database failure is still a 503.
    const first = await batches.next();
    const cache = this.cache;
    async function* body(): AsyncGenerator<Buffer> {
      const parts: Buffer[] = [];
      const emit = (text: string) => {
        const part = Buffer.from(text);
        if (cache.enabled) parts.push(part);
        return part;
      };
      yield emit(PROVIDERS_LIST_OPEN);
      let isFirst = true;
      const write = (rows: ProviderMiniRow[]) => {
        const part = emit(serializeProvidersBatch(rows, isFirst));
        isFirst = false;
        return part;
      };
      if (!first.done) yield write(first.value);
      for await (const rows of batches) yield write(rows);
      yield emit(PROVIDERS_LIST_CLOSE);
      if (cache.enabled) await cache.set(ticket, user, Buffer.concat(parts));
    }
    const stream = Readable.from(body(), { objectMode: false });
    // However the response ends (done, failed, client gone before or during the body), the
    // cursor is closed and its connection goes back to the pool.
    stream.once('close', () => void batches.return(undefined));
    return stream;
  }
}
