import type { FastifyInstance } from 'fastify';
import { MAX_BODY_BYTES, type RouteBodyConfig } from './body-parsing.js';

/**
 * Route options that Nest's decorators cannot set, read from the route's config
 * (`@RouteConfig({ bodyLimit, handlerTimeout })`) when Fastify registers the route:
 * - `bodyLimit` above MAX_BODY_BYTES raises the transport's limit for that route alone (below
 *   it, the parsers enforce it; see body-parsing.ts);
 * - `handlerTimeout` replaces REQUEST_TIMEOUT_MS for a route whose answer may rightly last
 *   longer (the passthrough's streamed answers, bounded by the egress timeouts instead).
 * Registered before any route.
 */
export interface RouteOverridesConfig extends RouteBodyConfig {
  handlerTimeout?: number;
}

export function registerRouteOverrides(fastify: FastifyInstance): void {
  fastify.addHook('onRoute', (route) => {
    const config = route.config as RouteOverridesConfig | undefined;
    if (config?.bodyLimit !== undefined && config.bodyLimit > MAX_BODY_BYTES) route.bodyLimit = config.bodyLimit;
    if (config?.handlerTimeout !== undefined) route.handlerTimeout = config.handlerTimeout;
  });
}
