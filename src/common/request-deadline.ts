import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DomainError } from './domain-error.js';

/** A request that outlived its deadline (REQUEST_TIMEOUT_MS, or its route's own). */
export class RequestTimedOutError extends DomainError {
  readonly code = 'request_timed_out';
  readonly status = 503;
  // The body it has always had: `{ statusCode, error, message }`, no code.
  override readonly codeInBody = false;

  constructor() {
    super('request timed out');
  }
}

/** A route's own deadline (`@RouteConfig({ requestTimeoutMs })`): null for none, its answer bounded otherwise. */
export interface RouteDeadlineConfig {
  requestTimeoutMs?: number | null;
}

const DEADLINE = Symbol('deadline');
type RequestWithDeadline = FastifyRequest & { [DEADLINE]?: NodeJS.Timeout };

/**
 * Every request is answered within `timeoutMs` of its arrival, whatever it waits for (a
 * database that does not answer, a pool that is full): 503 through the exception filter, and
 * what the handler does afterwards is dropped (AllExceptionsFilter, reply.sent). One timer per
 * request, cleared when the answer is sent. Fastify's own `handlerTimeout` does the same but
 * also builds an AbortController for each request and aborts it as the request closes, which
 * creates a DOMException, stack trace and all, per request; nothing here reads that signal.
 */
export function registerRequestDeadline(fastify: FastifyInstance, timeoutMs: number): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const own = (request.routeOptions.config as RouteDeadlineConfig | undefined)?.requestTimeoutMs;
    const ms = own === undefined ? timeoutMs : own;
    if (ms !== null) (request as RequestWithDeadline)[DEADLINE] = setTimeout(timedOut, ms, reply);
    done();
  });
  fastify.addHook('onResponse', (request, _reply, done) => {
    clearTimeout((request as RequestWithDeadline)[DEADLINE]);
    done();
  });
}

/** Also when a client left before its answer (no onResponse then): there is nothing left to answer. */
function timedOut(reply: FastifyReply): void {
  if (reply.sent || reply.raw.destroyed) return;
  // An answer already under way (a long stream) cannot be replaced by an error: it is cut.
  if (reply.raw.headersSent) reply.raw.destroy(new RequestTimedOutError());
  else reply.send(new RequestTimedOutError());
}
