import { Inject, Injectable } from '@nestjs/common';
import Tokens from '@fastify/csrf';
import type { FastifyRequest } from 'fastify';
import { hkdfSync, timingSafeEqual } from 'node:crypto';
import { JWT_SIGNING_KEY } from './jwt-secret.js';

export const CSRF_COOKIE = 'csrftoken';
/** Both names are accepted: X-CSRFToken is what the Smarter dashboard app sends. */
const CSRF_HEADERS = ['x-csrf-token', 'x-csrftoken'] as const;

/**
 * CSRF tokens for cookie-authenticated requests: the `csrftoken` cookie (readable by the page's
 * JavaScript) must come back in an X-CSRF-Token / X-CSRFToken header, and it must be the token
 * issued for this very session, i.e. bound to the access token's `jti`, so a token taken
 * from another session does not validate.
 *
 * The token primitive is @fastify/csrf (salted, keyed, userInfo-bound, compared in constant
 * time). Its plugin, @fastify/csrf-protection, is not used: it keeps a per-browser secret in a
 * cookie of its own and reports failures by sending a reply itself, outside Nest, whereas here
 * the check belongs in the global guard, after authentication has found the session, with
 * errors in the service's one shape. The secret is derived from the JWT key (HKDF), so it needs
 * no storage and changes when that key is rotated.
 */
@Injectable()
export class CsrfService {
  private readonly tokens: Tokens.TokensUserinfo;
  private readonly secret: string;

  constructor(@Inject(JWT_SIGNING_KEY) signingKey: string) {
    const derive = (label: string) => Buffer.from(hkdfSync('sha256', signingKey, '', `providers-service ${label}`, 32));
    this.tokens = Tokens({ userInfo: true, hmacKey: derive('csrf hmac') });
    this.secret = derive('csrf secret').toString('base64url');
  }

  /** A fresh token for the session whose access token has this `jti`. */
  issue(jti: string): string {
    return this.tokens.create(this.secret, jti);
  }

  /** The header equals the `csrftoken` cookie, and that token was issued for this session. */
  verify(request: FastifyRequest, jti: string): boolean {
    const header = CSRF_HEADERS.map((name) => request.headers[name]).find((value) => value !== undefined);
    const cookie = (request.cookies as Record<string, string | undefined> | undefined)?.[CSRF_COOKIE];
    if (typeof header !== 'string' || typeof cookie !== 'string') return false;
    const a = Buffer.from(header);
    const b = Buffer.from(cookie);
    if (a.length !== b.length || !timingSafeEqual(a, b)) return false;
    return this.tokens.verify(this.secret, header, jti);
  }
}
