import type { FastifyInstance, FastifyRequest } from 'fastify';
import { runWithRequestId } from './request-context.js';
import { REQUEST_ID_RESPONSE_HEADER } from './request-id.js';
import type { ServiceLogger } from './service-logger.js';
import { tagRequestSpan } from './tracing.js';

/**
 * Every request runs inside its request id's context (so that every line it logs carries the
 * id, and every span), echoes the id back, and ends with one access-log line. The route is the pattern
 * (`/providers/:id`), never the URL with its query, which may hold anything a caller typed.
 */
export function registerRequestLogging(fastify: FastifyInstance, logger: ServiceLogger): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    reply.header(REQUEST_ID_RESPONSE_HEADER, request.id);
    tagRequestSpan({ id: request.id, method: request.method, route: routePattern(request) });
    runWithRequestId(request.id, done);
  });
  // The body is read in the socket's own callbacks, which do not carry the context: it is
  // entered again for everything that runs after the body (guards, handlers).
  fastify.addHook('preValidation', (request, _reply, done) => runWithRequestId(request.id, done));
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = routePattern(request);
    logger.access(`${request.method} ${route} ${reply.statusCode}`, {
      request_id: request.id,
      method: request.method,
      route,
      status: reply.statusCode,
      duration_ms: Math.round(reply.elapsedTime * 10) / 10,
      user_id: (request as FastifyRequest & { user?: { id: number } }).user?.id ?? null,
    });
    done();
  });
}

/** The matched route's pattern; a request no route matched is one bucket, not one per URL. */
export function routePattern(request: FastifyRequest): string {
  return request.routeOptions.url ?? '(no route)';
}
