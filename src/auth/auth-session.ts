import type { FastifyRequest } from 'fastify';

/** How the request presented its token: the Authorization header, or the access cookie. */
export type CredentialSource = 'bearer' | 'cookie';

/** What the guard learnt about the request's session, beyond the user: needed by the CSRF check. */
export interface AuthSession {
  via: CredentialSource;
  /** The token's unique id; the CSRF token is bound to it. */
  jti: string;
}

// A WeakMap rather than a property on the request: nothing else can forge or read it by name,
// and it goes away with the request.
const sessions = new WeakMap<FastifyRequest, AuthSession>();

export function rememberSession(request: FastifyRequest, session: AuthSession): void {
  sessions.set(request, session);
}

export function sessionOf(request: FastifyRequest): AuthSession | undefined {
  return sessions.get(request);
}
