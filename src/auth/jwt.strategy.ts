import { Inject, Injectable } from '@nestjs/common';
import { createSecretKey } from 'node:crypto';
import { PassportStrategy } from '@nestjs/passport';
import type { FastifyRequest } from 'fastify';
import passport from 'passport';
import { Strategy } from 'passport-jwt';
import { AppConfig } from '../config/app-config.js';
import { UsersService } from '../users/users.service.js';
import type { AuthUser } from '../users/auth-user.js';
import { JWT_SIGNING_KEY } from './jwt-secret.js';
import { presentedToken } from './token-extraction.js';

export const JWT_ALGORITHM = 'HS256';

/** Largest user id (the column is a PostgreSQL integer). */
const MAX_USER_ID = 2_147_483_647;
/** Tolerated clock difference for `iat`, `nbf` and `exp`. */
const CLOCK_TOLERANCE_SECONDS = 5;

/** A token that passed every check: whose it is, and its id (the CSRF token is bound to it). */
export interface VerifiedToken {
  user: AuthUser;
  jti: string;
}

interface AccessTokenPayload {
  sub?: unknown;
  jti?: unknown;
  iat?: unknown;
  exp?: unknown;
}

/**
 * Verifies access tokens: HS256 only (so `alg: none` and asymmetric algorithms are refused by
 * the verifier), signature, issuer, audience and expiry by jsonwebtoken; then what
 * jsonwebtoken does not insist on (exp and iat present, a sane `sub`), and that the user still
 * exists and is active, on every request. Answers false for any bad token, so the guard can
 * tell "rejected" (401) from "the database failed" (an error, 503).
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor(config: AppConfig, @Inject(JWT_SIGNING_KEY) signingKey: string, private readonly users: UsersService) {
    super({
      jwtFromRequest: (req: FastifyRequest) => presentedToken(req)?.token ?? null,
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
   * The guard runs this instance itself; registering it in passport's process-wide registry
   * would let the last application built in a process (tests build several) verify tokens for
   * all of them, against its own key and database.
   */
  getPassportInstance(): passport.Authenticator {
    return new passport.Authenticator();
  }

  /** What passport hands the guard as its "user": the user and the token's id. */
  async validate(payload: AccessTokenPayload): Promise<VerifiedToken | false> {
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number') return false;
    if (payload.iat > now + CLOCK_TOLERANCE_SECONDS) return false;
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 64) return false;
    const userId = parseUserId(payload.sub);
    if (userId === null) return false;

    const user = await this.users.findAuthUser(userId);
    if (!user || !user.isActive) return false;
    return { user, jti: payload.jti };
  }
}

/** `sub` is the user id as a decimal string; anything else (a number, "01", "1e3", 2^40) is refused. */
export function parseUserId(sub: unknown): number | null {
  if (typeof sub !== 'string' || !/^[1-9][0-9]{0,9}$/.test(sub)) return null;
  const id = Number(sub);
  return id <= MAX_USER_ID ? id : null;
}
