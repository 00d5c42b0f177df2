import type { FastifyRequest } from 'fastify';

export const ACCESS_COOKIE = 'access_token';

/** Our tokens are a few hundred bytes; anything much longer is refused before any parsing. */
const MAX_TOKEN_LENGTH = 4096;
// Three base64url segments, the signature not empty (an unsigned `alg: none` token never
// reaches the verifier).
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const BEARER = /^Bearer +(\S+)$/i;

/** How the request presented its token: the Authorization header, or the access cookie. */
export type CredentialSource = 'bearer' | 'cookie';

export interface PresentedToken {
  via: CredentialSource;
  /** null when a credential was sent but is not even shaped like one of our tokens. */
  token: string | null;
}

/**
 * The credential a request presents: the Authorization header when there is one, otherwise
 * the access cookie. An Authorization header that is present decides alone (no falling back
 * to the cookie), so a request that sent a bad header is answered as such, and a request is
 * never cookie-authenticated (which needs CSRF) and bearer-authenticated at once.
 */
export function presentedToken(request: FastifyRequest): PresentedToken | null {
  const header = request.headers.authorization;
  if (header !== undefined) {
    const match = BEARER.exec(header);
    return { via: 'bearer', token: match && isTokenShaped(match[1]) ? match[1] : null };
  }
  const cookie = (request.cookies as Record<string, string | undefined> | undefined)?.[ACCESS_COOKIE];
  if (cookie) return { via: 'cookie', token: isTokenShaped(cookie) ? cookie : null };
  return null;
}

function isTokenShaped(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && JWT_SHAPE.test(token);
}
