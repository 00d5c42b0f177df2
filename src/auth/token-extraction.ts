import type { FastifyRequest } from 'fastify';
import type { Presented } from './authenticator.js';

export const ACCESS_COOKIE = 'access_token';

/** Our tokens are a few hundred bytes; anything much longer is refused before any parsing. */
const MAX_TOKEN_LENGTH = 4096;
// Three base64url segments, the signature not empty (an unsigned `alg: none` token never
// reaches the verifier).
const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
const BEARER = /^Bearer +(\S+)$/i;

/**
 * A token as a request presents it: undefined when it presents none, null when what it sent
 * is not even shaped like one of our tokens.
 */
type PresentedToken = string | null | undefined;

/** The token of an `Authorization: Bearer` header; any other Authorization header is null. */
export function bearerToken(request: FastifyRequest): PresentedToken {
  const header = request.headers.authorization;
  if (header === undefined) return undefined;
  const match = BEARER.exec(header);
  return match && isTokenShaped(match[1]) ? match[1] : null;
}

/** The token in the access cookie; an empty cookie is none. */
export function cookieToken(request: FastifyRequest): PresentedToken {
  const cookie = (request.cookies as Record<string, string | undefined> | undefined)?.[ACCESS_COOKIE];
  if (!cookie) return undefined;
  return isTokenShaped(cookie) ? cookie : null;
}

export function presence(token: PresentedToken): Presented {
  if (token === undefined) return 'nothing';
  return token === null ? 'malformed' : 'credential';
}

function isTokenShaped(token: string): boolean {
  return token.length <= MAX_TOKEN_LENGTH && JWT_SHAPE.test(token);
}
