import { Injectable, Logger } from '@nestjs/common';
import { Readable } from 'node:stream';
import { AppConfig } from '../config/app-config.js';
import { DomainError } from '../common/domain-error.js';
import { EgressService } from '../egress/egress.service.js';
import type { EgressBody } from '../egress/egress-body.js';
import { EgressAbortedError } from '../egress/egress.errors.js';
import { ProviderNotFoundError } from '../permissions/permissions.errors.js';
import { PermissionsService, type ProviderForUse } from '../permissions/permissions.service.js';
import { SecretsService } from '../secrets/secrets.service.js';
import type { AuthUser } from '../users/auth-user.js';
import { readChatRequest, type ChatRequest } from './chat-request.js';
import { ConcurrencyLimiter } from './concurrency-limiter.js';
import { PassthroughMetrics } from './passthrough-metrics.js';
import {
  AmbiguousProviderSlugError,
  ProviderHasNoApiKeyError,
  ProviderHasNoBaseUrlError,
  ProviderNotActiveError,
  TooManyPromptsError,
  UpstreamNotJsonError,
  UpstreamServerError,
} from './passthrough.errors.js';
import { PassthroughRepository } from './passthrough.repository.js';
import { UsageJournal } from './usage-journal.js';
import { providerSlug } from '../providers/provider-slug.js';
import { NO_USAGE, StreamUsageScanner, usageOf, type TokenUsage } from './token-usage.js';

/** What the controller sends: a JSON answer relayed as bytes, or a stream relayed as it comes. */
export type PassthroughAnswer =
  | { kind: 'json'; status: number; body: Buffer }
  | { kind: 'stream'; status: number; contentType: string; body: Readable };

/** Seconds a caller over the concurrency limit is told to wait: calls usually last seconds. */
const RETRY_AFTER_SECONDS = 1;
const MAX_ID = 2 ** 31 - 1;

/** One call in flight: what the journal row needs, gathered as the call goes. */
class CallRecord {
  readonly startedAt = performance.now();
  firstByteAt: number | null = null;
  upstreamStatus: number | null = null;
  usage: TokenUsage = NO_USAGE;

  constructor(
    readonly user: AuthUser,
    readonly target: ProviderForUse,
    readonly request: ChatRequest,
  ) {}

  sawFirstByte(): void {
    this.firstByteAt ??= performance.now();
  }
}

/**
 * The prompt passthrough (DESIGN.md, "A request, two ways"): the caller's provider.use is
 * checked, the provider's key is decrypted for this one call, the request goes out through the
 * egress module with no header of the caller's, and the answer is relayed (a stream chunk by
 * chunk). A journal row is written once the answer is over; it never holds prompt or answer text.
 */
@Injectable()
export class PassthroughService {
  private readonly logger = new Logger(PassthroughService.name);
  private readonly limiter: ConcurrencyLimiter;

  constructor(
    private readonly repository: PassthroughRepository,
    private readonly permissions: PermissionsService,
    private readonly secrets: SecretsService,
    private readonly egress: EgressService,
    private readonly config: AppConfig,
    private readonly metrics: PassthroughMetrics,
    private readonly journal: UsageJournal,
  ) {
    this.limiter = new ConcurrencyLimiter(config.PASSTHROUGH_MAX_CONCURRENT_PER_USER);
  }

  /**
   * The provider `ref` (an id or a slug) names among those the user may read, and that they may
   * use: 404 when none, 409 when the slug names several, when it is inactive or has no key.
   */
  async resolveUsable(user: AuthUser, ref: string): Promise<ProviderForUse> {
    const id = /^\d{1,10}$/.test(ref) && Number(ref) <= MAX_ID ? Number(ref) : null;
    const slug = providerSlug(ref);
    const found = await this.permissions.providersForUse(user, this.repository.idOrSlug(id, slug));
    const target = found.find((t) => t.id === id) ?? (found.length === 1 ? found[0] : undefined);
    if (!target && found.length > 1)
      throw new AmbiguousProviderSlugError(
        slug,
        found.map((t) => t.id),
      );
    if (!target) throw new ProviderNotFoundError(id ?? 0);
    // provider.use decides; the 409 says why, since the caller may see that the provider exists.
    if (!target.usable) throw new ProviderNotActiveError(target.id);
    if (!target.apiKeyCiphertext) throw new ProviderHasNoApiKeyError(target.id);
    if (!target.baseUrl) throw new ProviderHasNoBaseUrlError(target.id);
    return target;
  }

  async send(user: AuthUser, ref: string, body: unknown, clientGone: AbortSignal): Promise<PassthroughAnswer> {
    const target = await this.resolveUsable(user, ref);
    const request = readChatRequest(body, target.defaultModel);
    const release = this.limiter.tryAcquire(user.id);
    if (!release) {
      throw new TooManyPromptsError(this.config.PASSTHROUGH_MAX_CONCURRENT_PER_USER, RETRY_AFTER_SECONDS);
    }
    const call = new CallRecord(user, target, request);
    let handedOver = false;
    try {
      const answer = await this.call(call, clientGone, release);
      handedOver = answer.kind === 'stream';
      return answer;
    } catch (err) {
      this.finish(call, err);
      throw err;
    } finally {
      if (!handedOver) release();
    }
  }

  private async call(call: CallRecord, clientGone: AbortSignal, release: () => void): Promise<PassthroughAnswer> {
    const { target, request } = call;
    const response = await this.egress.stream({
      url: `${target.baseUrl!.replace(/\/+$/, '')}/chat/completions`,
      method: 'POST',
      headers: {
        // The plaintext key lives in this one header of this one call.
        authorization: `Bearer ${this.secrets.decrypt(target.apiKeyCiphertext!)}`,
        'content-type': 'application/json',
        accept: request.stream ? 'text/event-stream' : 'application/json',
      },
      body: JSON.stringify(request.forward),
      signal: clientGone,
    });
    call.upstreamStatus = response.status;
    call.sawFirstByte();
    const origin = new URL(target.baseUrl!).origin;
    if (response.status >= 500 || response.status < 200) {
      response.body.cancel();
      throw new UpstreamServerError(origin, response.status);
    }
    const contentType = String(response.headers['content-type'] ?? '');
    if (request.stream && response.status < 300 && !contentType.startsWith('application/json')) {
      return {
        kind: 'stream',
        status: response.status,
        contentType: contentType || 'text/event-stream',
        body: this.relay(call, response.body, origin, release),
      };
    }
    const bytes = await response.body.readAll(this.config.PASSTHROUGH_MAX_ANSWER_BYTES);
    let parsed: unknown;
    try {
      parsed = JSON.parse(bytes.toString('utf8'));
    } catch {
      throw new UpstreamNotJsonError(origin, response.status);
    }
    call.usage = usageOf(parsed) ?? NO_USAGE;
    this.finish(call);
    return { kind: 'json', status: response.status, body: bytes };
  }

  /**
   * The upstream's chunks as a stream, each passed on as it arrives. A failure after the first
   * byte cannot change the status any more: it ends the stream with an `error` event in the
   * body's shape. The call is settled once (slot given back, upstream closed, journal row
   * written) whichever comes first: the relay's end, or the stream closed by a client that left,
   * possibly before the relay even started.
   */
  private relay(call: CallRecord, body: EgressBody, origin: string, release: () => void): Readable {
    const scanner = new StreamUsageScanner();
    let settled = false;
    const settle = (failure: unknown) => {
      if (settled) return;
      settled = true;
      body.cancel();
      release();
      call.usage = scanner.usage;
      this.finish(call, failure);
    };
    async function* chunks(): AsyncGenerator<Buffer> {
      let failure: unknown;
      try {
        for await (const chunk of body) {
          scanner.push(chunk);
          yield chunk;
        }
      } catch (err) {
        failure = err;
        if (err instanceof DomainError && !(err instanceof EgressAbortedError)) {
          const event = { error: { message: err.message, code: err.code, status: err.status } };
          yield Buffer.from(`event: error\ndata: ${JSON.stringify(event)}\n\n`);
        }
      } finally {
        settle(failure);
      }
    }
    const stream = Readable.from(chunks());
    // Only a close before the relay's end is a client that left: the error (and its stack) is
    // made then, not on every stream's normal close.
    stream.once('close', () => {
      if (!settled) settle(new EgressAbortedError(origin));
    });
    return stream;
  }

  /** Queues the journal row (written after the answer) and one log line: figures only, never text. */
  private finish(call: CallRecord, failure?: unknown): void {
    const now = performance.now();
    const outcome = failure === undefined ? 'ok' : failure instanceof DomainError ? failure.code : 'error';
    const record = {
      userId: call.user.id,
      providerId: call.target.id,
      model: call.request.model.slice(0, 200),
      streamed: call.request.stream,
      upstreamStatus: call.upstreamStatus,
      outcome,
      timeToFirstByteMs: call.firstByteAt === null ? null : Math.round(call.firstByteAt - call.startedAt),
      durationMs: Math.round(now - call.startedAt),
      ...call.usage,
    };
    this.metrics.finished({ ...record, usage: call.usage });
    this.logger.debug(
      `passthrough user=${record.userId} provider=${record.providerId} status=${record.upstreamStatus ?? '-'} ` +
        `outcome=${outcome} ttfb_ms=${record.timeToFirstByteMs ?? '-'} ms=${record.durationMs} tokens=${record.totalTokens ?? '-'}`,
    );
    this.journal.record(record);
  }
}
