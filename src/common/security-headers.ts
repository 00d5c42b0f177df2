import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance, RouteOptions } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/** Swagger UI is served under this path (see swagger.ts). */
export const DOCS_PATH = '/docs';

type Directives = Record<string, string[]>;

/** A set of response headers, by lower-case name. */
export type HeaderSet = Readonly<Record<string, string>>;

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

/** What a route's config (`@RouteConfig({ helmet })`) may say: helmet options of its own, over the service's. */
interface SecurityHeadersRouteConfig {
  helmet?: HelmetOptions;
  securityHeaders?: HeaderSet;
}

/**
 * Security headers on every response, as helmet defines them: nosniff, no referrer, no
 * framing, a Content-Security-Policy, Cross-Origin-Opener/Resource-Policy and the rest of its
 * set. Strict-Transport-Security only when cookies are Secure: that setting (COOKIE_SECURE, on
 * by default in production) is how an operator says that browsers reach the service over
 * HTTPS, and pinning HSTS on a host served over plain HTTP (a production build tried on
 * localhost) would break every other site on that host.
 *
 * Helmet's headers depend on its options alone (no nonces here), so each route's set is
 * recorded from helmet once, when the route is added, and each request is given that set. The
 * @fastify/helmet plugin built a new helmet middleware, options parsed again, on every request.
 * The set is given when a request arrives, so a route that sets a header itself (the login
 * and dashboard pages' own policies) overrides it. Registered before any route, since each
 * route's set is recorded as it is added; a request no route matched gets the service's set.
 */
export function registerSecurityHeaders(fastify: FastifyInstance, { hsts }: { hsts: boolean }): void {
  const serviceOptions = helmetOptions({ hsts });
  const serviceHeaders = securityHeaders(serviceOptions);
  const recorded = new Map<string, HeaderSet>();
  fastify.addHook('onRoute', (route: RouteOptions) => {
    const config = (route.config ?? {}) as SecurityHeadersRouteConfig;
    const own = config.helmet ?? routeOverrides(route.url);
    if (own === undefined) return;
    assertRecordable(own, route.url);
    const key = JSON.stringify(own);
    let headers = recorded.get(key);
    if (!headers) recorded.set(key, (headers = securityHeaders({ ...serviceOptions, ...own } as HelmetOptions)));
    route.config = { ...config, securityHeaders: headers } as RouteOptions['config'];
  });
  fastify.addHook('onRequest', (request, reply, done) => {
    const own = (request.routeOptions.config as SecurityHeadersRouteConfig | undefined)?.securityHeaders;
    reply.headers(own ?? serviceHeaders);
    done();
  });
}

/** The service's own set: what an answer that no route wrote (client-errors.ts) carries. */
export function serviceSecurityHeaders({ hsts }: { hsts: boolean }): HeaderSet {
  return securityHeaders(helmetOptions({ hsts }));
}

/**
 * A route's helmet options can be recorded once only if they are plain data: `false` (no
 * headers at all) and functions (per-request values such as nonces) are refused when the
 * route is added, rather than silently answered with another set.
 */
function assertRecordable(options: unknown, url: string): void {
  const plain = (value: unknown): boolean =>
    typeof value !== 'function' &&
    (typeof value !== 'object' || value === null || Object.values(value as object).every(plain));
  if (options === false || typeof options !== 'object' || options === null || !plain(options)) {
    throw new Error(`Route ${url}: helmet options must be an object of plain values (no false, no functions)`);
  }
}

function helmetOptions({ hsts }: { hsts: boolean }): HelmetOptions {
  return {
    contentSecurityPolicy: { useDefaults: false, directives: DEFAULT_CSP },
    referrerPolicy: { policy: 'no-referrer' },
    xFrameOptions: { action: 'deny' },
    strictTransportSecurity: hsts ? { maxAge: 365 * 24 * 3600, includeSubDomains: true } : false,
  };
}

/**
 * The headers helmet sets with these options, recorded from helmet's own middleware on a
 * response that only keeps them. Helmet also removes X-Powered-By, which Fastify never sends.
 */
export function securityHeaders(options: HelmetOptions): HeaderSet {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  let finished = false;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    if (err) throw err;
    finished = true;
  });
  // Helmet's middleware is synchronous; if a version ever was not, a missing header must not go unnoticed.
  if (!finished) throw new Error('helmet did not finish synchronously: its headers cannot be recorded');
  return Object.freeze(headers);
}

function routeOverrides(url: string): HelmetOptions | undefined {
  if (url === DOCS_PATH || url.startsWith(`${DOCS_PATH}/`)) {
    return { contentSecurityPolicy: { useDefaults: false, directives: DOCS_CSP } };
  }
  return undefined;
}
