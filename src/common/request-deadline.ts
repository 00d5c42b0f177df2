import { Logger } from '@nestjs/common';
import type { FastifyInstance, FastifyReply } from 'fastify';
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

const logger = new Logger('RequestDeadline');

/**
 * Every request is answered within `timeoutMs` of its arrival, whatever it waits for (a
 * database that does not answer, a pool that is full): 503 through the exception filter, and
 * what the handler does afterwards is dropped (AllExceptionsFilter, reply.sent). One timer per
 * request, cleared when the response closes. Fastify's own `handlerTimeout` does the same but
 * also builds an AbortController for each request and aborts it as the request closes, which
 * creates a DOMException, stack trace and all, per request; nothing here reads that signal.
 */
export function registerRequestDeadline(fastify: FastifyInstance, timeoutMs: number): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    const own = (request.routeOptions.config as RouteDeadlineConfig | undefined)?.requestTimeoutMs;
    const ms = own === undefined ? timeoutMs : own;
    if (ms !== null) {
      // Unref'd: a pending deadline never keeps a closing process alive.
      const timer = setTimeout(timedOut, ms, reply).unref();
      // The response closes once it is sent, and also when the client leaves first.
      reply.raw.once('close', () => clearTimeout(timer));
    }
    done();
  });
}

function timedOut(reply: FastifyReply): void {
  if (reply.sent || reply.raw.destroyed) return;
  logger.debug('A request outlived its deadline and was answered 503');
  // An answer already under way (a long stream) cannot be replaced by an error: it is cut.
  if (reply.raw.headersSent) reply.raw.destroy(new RequestTimedOutError());
  else reply.send(new RequestTimedOutError());
}
