import type { FastifyRequest } from 'fastify';
import type passport from 'passport';

/**
 * Who a verified credential says is calling. The guard then loads that user (a separate step,
 * the same for every authenticator) and refuses one that is gone or inactive.
 */
export interface VerifiedCredential {
  /** The name of the authenticator that verified it. */
  source: string;
  userId: number;
  /** The credential's own id (an access token's `jti`); the cookie session's CSRF token is bound to it. */
  credentialId: string;
  /**
   * For a credential that can be signed out (an access token): when it was issued (`iat`) and
   * when it expires (`exp`), in seconds since the epoch, as its verifier read them. Without
   * both, there is nothing to sign out and no revocation to check.
   */
  issuedAt?: number;
  expiresAt?: number;
}

/**
 * What a request shows one authenticator: none of its kind of credential; one that cannot be
 * valid (refused without being verified); or one to verify.
 */
export type Presented = 'nothing' | 'malformed' | 'credential';

/**
 * One way of presenting credentials (a bearer token, the session cookie; later an API key or
 * another issuer's token). The global guard asks the registered authenticators in order, and
 * the first one that the request presents something to decides alone: so an Authorization
 * header that is present, good or bad, is never bypassed by a cookie.
 */
export interface Authenticator {
  /** Its strategy's name in the guard's own passport instance, and the credential's `source`. */
  readonly name: string;
  /**
   * A passport strategy that verifies the credential and succeeds with a VerifiedCredential,
   * fails when it refuses it, and errs when it cannot tell (e.g. a key server that is down).
   */
  readonly strategy: passport.Strategy;
  presented(request: FastifyRequest): Presented;
  /**
   * What the request must also satisfy to use this credential, checked once its user is known;
   * throws an HttpException to refuse (the cookie's CSRF check).
   */
  checkRequest?(request: FastifyRequest, credential: VerifiedCredential): void;
}

/** The Authenticator list the guard asks, in order (registered in auth.module.ts). */
export const AUTHENTICATORS = Symbol('AUTHENTICATORS');
