import { createSecretKey } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import passport from 'passport';
import { Strategy } from 'passport-jwt';
import type { AppConfig } from '../config/app-config.js';
import type { VerifiedCredential } from './authenticator.js';

export const JWT_ALGORITHM = 'HS256';

/** Largest user id (the column is a PostgreSQL integer). */
const MAX_USER_ID = 2_147_483_647;
/** Tolerated clock difference for `iat`, `nbf` and `exp`. */
const CLOCK_TOLERANCE_SECONDS = 5;

interface AccessTokenPayload {
  sub?: unknown;
  jti?: unknown;
  iat?: unknown;
  exp?: unknown;
}

/**
 * passport-jwt, verifying our access tokens wherever `extractToken` finds them (one instance
 * per credential source: BearerJwtAuthenticator, CookieJwtAuthenticator). HS256 only (so
 * `alg: none` and asymmetric algorithms are refused by the verifier), signature, issuer,
 * audience and expiry by jsonwebtoken; then what jsonwebtoken does not insist on (exp and iat
 * present, a sane `sub` and `jti`). It succeeds with the token's claims only: whether the
 * user still exists and is active is the guard's next step.
 */
export class JwtStrategy extends PassportStrategy(Strategy) {
  constructor(
    private readonly source: string,
    extractToken: (request: FastifyRequest) => string | null,
    config: AppConfig,
    signingKey: string,
  ) {
    super({
      jwtFromRequest: extractToken,
      // A KeyObject, not the string: given a string, jsonwebtoken first tries (and fails) to
      // parse it as a public key on every verification, which was the largest CPU cost of
      // a request.
      secretOrKey: createSecretKey(Buffer.from(signingKey)) as unknown as string,
      algorithms: [JWT_ALGORITHM],
      issuer: config.JWT_ISSUER,
      audience: config.JWT_AUDIENCE,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
    });
  }

  /**
   * Where @nestjs/passport registers the strategy as it is built: a throwaway instance. The
   * guard registers it, by its authenticator's name, in the application's own passport
   * instance; passport's process-wide registry would let the last application built in a
   * process (tests build several) verify tokens for all of them, against its own key.
   */
  getPassportInstance(): passport.Authenticator {
    return new passport.Authenticator();
  }

  /**
   * What passport hands the guard: the token's claims, or false to refuse it. `iat` and `exp`
   * go with them, so that the revocation check needs no second decoding of the token.
   */
  validate(payload: AccessTokenPayload): VerifiedCredential | false {
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return false;
    if (payload.iat > now + CLOCK_TOLERANCE_SECONDS) return false;
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 64) return false;
    const userId = parseUserId(payload.sub);
    if (userId === null) return false;
    return {
      source: this.source,
      userId,
      credentialId: payload.jti,
      issuedAt: payload.iat,
      expiresAt: payload.exp,
    };
  }
}

/** `sub` is the user id as a decimal string; anything else (a number, "01", "1e3", 2^40) is refused. */
export function parseUserId(sub: unknown): number | null {
  if (typeof sub !== 'string' || !/^[1-9][0-9]{0,9}$/.test(sub)) return null;
  const id = Number(sub);
  return id <= MAX_USER_ID ? id : null;
}
