import fastifyHelmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyInstance, RouteOptions } from 'fastify';

/** Swagger UI is served under this path (see swagger.ts). */
export const DOCS_PATH = '/docs';

type Directives = Record<string, string[]>;

/**
 * The policy of every response that does not set its own: nothing may load, frame or be
 * posted. JSON needs none of it; it only matters if a browser is ever made to render an
 * answer as a page. The login and dashboard pages set stricter policies of their own.
 */
const DEFAULT_CSP: Directives = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** DEFAULT_CSP as a header value, for answers written without helmet (client-errors.ts). */
export const DEFAULT_CSP_HEADER = Object.entries(DEFAULT_CSP)
  .map(([directive, sources]) => `${directive} ${sources.join(' ')}`)
  .join('; ');

/**
 * Swagger UI, which the default policy would break: its page has inline <style> blocks and
 * style attributes, its stylesheet uses data: images, and "Try it out" calls the API. Its
 * scripts are files from the same origin, so no script may be inline.
 */
const DOCS_CSP: Directives = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
};

/**
 * Security headers on every response, through @fastify/helmet: nosniff, no referrer, no
 * framing, a Content-Security-Policy, Cross-Origin-Opener/Resource-Policy, and no X-Powered-By
 * (Fastify sends none; helmet would remove one). Strict-Transport-Security only when cookies are
 * Secure: that setting (COOKIE_SECURE, on by default in production) is how an operator says
 * that browsers reach the service over HTTPS, and pinning HSTS on a host served over plain
 * HTTP (a production build tried on localhost) would break every other site on that host.
 *
 * Helmet sets its headers when a request arrives, so a route that sets one itself (the login
 * and dashboard pages' own policies) overrides it; a route may also give helmet options of its
 * own in its route config (`@RouteConfig({ helmet })`). Registered before any route, since
 * routes pick their per-route helmet options up as they are added.
 */
export async function registerSecurityHeaders(app: NestFastifyApplication, { hsts }: { hsts: boolean }): Promise<void> {
  const fastify = app.getHttpAdapter().getInstance() as FastifyInstance;
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const overrides = routeOverrides(route.url);
    // Read by @fastify/helmet from the route's config, whichever plugin added the route.
    if (overrides) route.config = { ...(route.config as object), helmet: overrides } as RouteOptions['config'];
  });
  const options: FastifyHelmetOptions = {
    contentSecurityPolicy: { useDefaults: false, directives: DEFAULT_CSP },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: hsts ? { maxAge: 365 * 24 * 3600, includeSubDomains: true } : false,
  };
  await app.register(fastifyHelmet, options);
}

function routeOverrides(url: string): FastifyHelmetOptions | undefined {
  if (url === DOCS_PATH || url.startsWith(`${DOCS_PATH}/`)) {
    return { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } };
  }
  return undefined;
}
