import type { FastifyRequest } from 'fastify';
import type { AppConfig } from '../config/app-config.js';

/** Where a successful sign-in goes when no acceptable `next` was given. */
export const DEFAULT_NEXT = '/dashboard/passthrough/';
const MAX_NEXT_LENGTH = 2048;

/**
 * False when the request comes from another site's page: an `Origin` that is neither this
 * service's own (the Host the request was sent to) nor an allowed CORS origin, `Origin: null`
 * (sandboxed or privacy-redirected documents), or, from browsers that send no Origin, a
 * `Sec-Fetch-Site: cross-site`. A request without either header is not from a browser form
 * (browsers send Origin on every POST) and is allowed: curl and scripts sign in that way.
 * This is what stops another site from signing a visitor in to an account of its choosing.
 */
export function isSameSiteRequest(request: FastifyRequest, config: AppConfig): boolean {
  const origin = request.headers.origin;
  if (origin !== undefined) {
    if (config.CORS_ORIGINS.includes(origin) || (!config.isProduction && config.CORS_ORIGINS.includes('*')))
      return true;
    try {
      const url = new URL(origin);
      return (url.protocol === 'http:' || url.protocol === 'https:') && url.host === request.headers.host;
    } catch {
      return false;
    }
  }
  return request.headers['sec-fetch-site'] !== 'cross-site';
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
