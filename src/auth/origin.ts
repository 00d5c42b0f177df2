import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';

/** Where a successful sign-in goes when no acceptable `next` was given. */
export const DEFAULT_NEXT = '/dashboard/passthrough/';
const MAX_NEXT_LENGTH = 2048;

/**
 * Where the browser says an unsafe request comes from, by Fetch Metadata (as Go's
 * CrossOriginProtection, tower-http's csrf layer and ASP.NET Core's ICsrfProtection decide):
 * - `trusted`: `Sec-Fetch-Site: same-origin` or `none` (the user's own navigation), or an
 *   `Origin` that is this service's own (the Host the request was sent to) or listed in
 *   CORS_ORIGINS;
 * - `untrusted`: `Sec-Fetch-Site: same-site` or `cross-site` (or any other value) without a
 *   trusted `Origin`, or an `Origin` naming another origin (`null` included: sandboxed and
 *   privacy-redirected documents);
 * - `unknown`: neither header, so not a browser that could say: an old browser, or curl and
 *   scripts, which carry no victim's cookie by themselves.
 * Sec-Fetch-Site is asked first: the browser computes it against the URL it actually
 * requested, which a proxy that rewrites Host cannot make wrong. Browsers forbid pages to set
 * either header, so a page cannot claim to be another.
 */
export type RequestProvenance = 'trusted' | 'untrusted' | 'unknown';

export function requestProvenance(request: FastifyRequest, config: AppConfig): RequestProvenance {
  const site = request.headers['sec-fetch-site'];
  if (site === 'same-origin' || site === 'none') return 'trusted';
  const origin = request.headers.origin;
  if (origin !== undefined) return isTrustedOrigin(origin, request, config) ? 'trusted' : 'untrusted';
  return site === undefined ? 'unknown' : 'untrusted';
}

/** This service's own origin (by the request's Host), or one listed in CORS_ORIGINS. */
function isTrustedOrigin(origin: string, request: FastifyRequest, config: AppConfig): boolean {
  if (config.CORS_ORIGINS.includes(origin) || (!config.isProduction && config.CORS_ORIGINS.includes('*'))) return true;
  try {
    const url = new URL(origin);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === request.headers.host;
  } catch {
    return false;
  }
}

/**
 * `next` when it is a path on this site, else the default. A path starts with exactly one
 * `/`; `//host` and `/\host` are other sites to a browser (which reads `\` as `/` and drops
 * tabs and newlines), so backslashes, control characters, spaces and anything outside
 * printable ASCII are refused outright, and what is left must resolve to this origin.
 */
export function safeNext(next: unknown): string {
  if (typeof next !== 'string' || next.length === 0 || next.length > MAX_NEXT_LENGTH) return DEFAULT_NEXT;
  if (!next.startsWith('/') || next.startsWith('//')) return DEFAULT_NEXT;
  if (!/^[\x21-\x7e]+$/.test(next) || next.includes('\\')) return DEFAULT_NEXT;
  const base = 'http://same-origin.invalid';
  try {
    if (new URL(next, base).origin !== base) return DEFAULT_NEXT;
  } catch {
    return DEFAULT_NEXT;
  }
  return next;
}
