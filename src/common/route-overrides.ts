import type { FastifyInstance } from 'fastify';
import { MAX_BODY_BYTES, type RouteBodyConfig } from './body-parsing.js';
import type { RouteDeadlineConfig } from './request-deadline.js';

/**
 * Route options that Nest's decorators cannot set, read from the route's config
 * (`@RouteConfig({ bodyLimit, requestTimeoutMs })`):
 * - `bodyLimit` above MAX_BODY_BYTES raises the transport's limit for that route alone (below
 *   it, the parsers enforce it; see body-parsing.ts), set here when Fastify registers the route;
 * - `requestTimeoutMs` replaces REQUEST_TIMEOUT_MS for a route whose answer may rightly last
 *   longer (the passthrough's streamed answers, bounded by the egress timeouts instead); read
 *   by the request deadline (request-deadline.ts).
 * Registered before any route.
 */
export interface RouteOverridesConfig extends RouteBodyConfig, RouteDeadlineConfig {}

export function registerRouteOverrides(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    const config = route.config as RouteOverridesConfig | undefined;
    if (config?.bodyLimit !== undefined && config.bodyLimit > MAX_BODY_BYTES) route.bodyLimit = config.bodyLimit;
  });
}
