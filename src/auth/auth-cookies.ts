import '@fastify/cookie';
import type { CookieSerializeOptions } from '@fastify/cookie';
import type { FastifyReply } from 'fastify';
import type { AppConfig } from '../config/app-config.js';
import type { SignedIn } from './auth.service.js';
import { CSRF_COOKIE } from './csrf.service.js';
import { ACCESS_COOKIE } from './token-extraction.js';

function baseOptions(config: AppConfig): CookieSerializeOptions {
  // Lax: sent on top-level navigations from other sites (a link into the dashboard works),
  // not on their cross-site POSTs or fetches.
  return { path: '/', sameSite: 'lax', secure: config.cookieSecure };
}

/**
 * The browser session: the access token, HttpOnly so that no script can read it, and the
 * CSRF token, deliberately readable so that the page's script can echo it in a header.
 * Both live exactly as long as the token.
 */
export function setSessionCookies(reply: FastifyReply, session: SignedIn, config: AppConfig): void {
  const options = { ...baseOptions(config), maxAge: session.token.expiresIn };
  reply.setCookie(ACCESS_COOKIE, session.token.token, { ...options, httpOnly: true });
  reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...options, httpOnly: false });
}

export function clearSessionCookies(reply: FastifyReply, config: AppConfig): void {
  reply.clearCookie(ACCESS_COOKIE, { ...baseOptions(config), httpOnly: true });
  reply.clearCookie(CSRF_COOKIE, baseOptions(config));
}
