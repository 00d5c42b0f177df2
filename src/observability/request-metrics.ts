import type { FastifyInstance } from 'fastify';
import type { MetricsService } from './metrics.service.js';
import { routePattern } from './request-logging.js';

/** Each answered request's duration, by route pattern and status. */
export function registerRequestMetrics(fastify: FastifyInstance, metrics: MetricsService): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    metrics.requestDuration.observe(
      { method: request.method, route: routePattern(request), status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    done();
  });
}
