import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import { Agent } from 'undici';
import { DomainError } from '../common/domain-error.js';
import { CallDeadline } from './call-deadline.js';
import { EgressBody } from './egress-body.js';
import { EgressPolicy } from './egress-policy.js';
import { egressSettings, type EgressCallLimits, type EgressSettings } from './egress-settings.js';
import {
  EgressAbortedError,
  EgressInvalidRequestError,
  EgressResponseFailedError,
  EgressTimeoutError,
} from './egress.errors.js';
import { EGRESS_SETTINGS } from './egress.module-definition.js';
import { guardedConnector, systemResolver } from './guarded-connector.js';

export interface EgressRequest {
  /** Absolute http(s) URL without credentials in it. */
  url: string;
  method?: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /**
   * The only headers that go out, besides the `host`, `connection` and `content-length` that
   * HTTP/1.1 itself needs: nothing of the process's or of an incoming request's is added.
   */
  headers?: Readonly<Record<string, string>>;
  body?: string | Uint8Array;
  /** Aborting it closes the upstream connection (e.g. when the passthrough's client leaves). */
  signal?: AbortSignal;
  limits?: EgressCallLimits;
}

export interface EgressResponse<Body> {
  status: number;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  body: Body;
}

type Limits = Required<EgressCallLimits>;

/**
 * The only way out of the process for HTTP. Every connection passes the address policy at
 * connect time (see guardedConnector). Redirects are never followed: a 3xx comes back as is,
 * with its `location`, for the caller to judge; following it would be a second call to a host
 * nobody chose. Proxy settings in the environment are ignored, as are any global dispatcher.
 */
@Injectable()
export class EgressService implements OnApplicationShutdown {
  private readonly settings: EgressSettings;
  private readonly agent: Agent;
  private readonly policy: EgressPolicy;

  constructor(@Inject(EGRESS_SETTINGS) values: Partial<EgressSettings>) {
    this.settings = egressSettings(values);
    const policy = new EgressPolicy(this.settings.allowPrivate, this.settings.allowHosts, this.settings.allowPaths);
    this.policy = policy;
    const resolve = this.settings.resolve ?? systemResolver;
    this.agent = new Agent({ connect: guardedConnector(policy, resolve, this.settings.connectTimeoutMs) });
  }

  /** A buffered call: the whole body, refused past the size bound. */
  async request(request: EgressRequest): Promise<EgressResponse<Buffer>> {
    const response = await this.stream(request);
    // A HEAD answer declares the length of a body it does not send.
    const declared = request.method === 'HEAD' ? NaN : Number(response.headers['content-length']);
    const maxBytes = request.limits?.maxResponseBytes ?? this.settings.maxResponseBytes;
    return {
      ...response,
      body: await response.body.readAll(maxBytes, Number.isFinite(declared) ? declared : undefined),
    };
  }

  /** A streamed call: resolves at the response headers; the body yields chunks as they arrive. */
  async stream(request: EgressRequest): Promise<EgressResponse<EgressBody>> {
    const url = parseUrl(request.url);
    // undici would still open a connection for a call whose signal has already fired.
    if (request.signal?.aborted) throw new EgressAbortedError(url.origin);
    // Per request, not per connection: undici reuses a pooled connection for any path.
    this.policy.checkPath(url.hostname, Number(url.port) || (url.protocol === 'https:' ? 443 : 80), url.pathname);
    const limits: Limits = {
      firstByteTimeoutMs: request.limits?.firstByteTimeoutMs ?? this.settings.firstByteTimeoutMs,
      idleTimeoutMs: request.limits?.idleTimeoutMs ?? this.settings.idleTimeoutMs,
      totalTimeoutMs: request.limits?.totalTimeoutMs ?? this.settings.totalTimeoutMs,
      maxResponseBytes: request.limits?.maxResponseBytes ?? this.settings.maxResponseBytes,
    };
    const deadline = new CallDeadline(request.signal, limits.totalTimeoutMs);
    const toError = (err: unknown) => egressError(err, url.origin, deadline, limits);
    try {
      const response = await this.agent.request({
        origin: url.origin,
        path: `${url.pathname}${url.search}`,
        method: request.method ?? 'GET',
        headers: { ...request.headers },
        body: request.body,
        signal: deadline.signal,
        headersTimeout: limits.firstByteTimeoutMs,
        bodyTimeout: limits.idleTimeoutMs,
      });
      const body = new EgressBody(response.body, toError, url.origin, () => deadline.dispose());
      return { status: response.statusCode, headers: response.headers, body };
    } catch (err) {
      deadline.dispose();
      throw toError(err);
    }
  }

  /** After the HTTP server has closed: whatever is still in flight has nobody left to answer. */
  async onApplicationShutdown(): Promise<void> {
    await this.agent.destroy();
  }
}

function parseUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    // The URL itself stays out of the message: its query may hold a credential.
    throw new EgressInvalidRequestError('the URL is not a valid absolute URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EgressInvalidRequestError(`only http: and https: URLs are called, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new EgressInvalidRequestError('the URL carries credentials; send them as an explicit header instead');
  }
  return url;
}

/** Which phase failed, from undici's error codes; the connect phase is already mapped by the connector. */
function egressError(err: unknown, origin: string, deadline: CallDeadline, limits: Limits): Error {
  if (err instanceof DomainError) return err;
  if (deadline.timedOut) return new EgressTimeoutError(origin, 'total', limits.totalTimeoutMs);
  if (deadline.abortedByCaller) return new EgressAbortedError(origin);
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'UND_ERR_HEADERS_TIMEOUT':
      return new EgressTimeoutError(origin, 'first_byte', limits.firstByteTimeoutMs);
    case 'UND_ERR_BODY_TIMEOUT':
      return new EgressTimeoutError(origin, 'idle', limits.idleTimeoutMs);
    case 'UND_ERR_INVALID_ARG':
      // undici's messages name the argument or header, never its value.
      return new EgressInvalidRequestError((err as Error).message);
    default:
      return new EgressResponseFailedError(origin, code ?? (err as Error)?.name ?? 'unknown error');
  }
}
