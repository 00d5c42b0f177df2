import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import type { Authenticator, Presented, TokenTimes, VerifiedCredential } from './authenticator.js';
import { CsrfService } from './csrf.service.js';
import { JWT_SIGNING_KEY } from './jwt-secret.js';
import { JwtStrategy, verifiedTokenTimes } from './jwt.strategy.js';
import { cookieToken, presence } from './token-extraction.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * The browser session: an access token in the `access_token` cookie, which the browser sends
 * by itself, so an unsafe request must also prove that it comes from our page (CsrfService).
 */
@Injectable()
export class CookieJwtAuthenticator implements Authenticator {
  readonly name = 'cookie-jwt';
  readonly strategy: JwtStrategy;

  constructor(
    config: AppConfig,
    @Inject(JWT_SIGNING_KEY) signingKey: string,
    private readonly csrf: CsrfService,
  ) {
    this.strategy = new JwtStrategy(this.name, (request) => cookieToken(request) ?? null, config, signingKey);
  }

  presented(request: FastifyRequest): Presented {
    return presence(cookieToken(request));
  }

  tokenTimes(request: FastifyRequest): TokenTimes | null {
    return verifiedTokenTimes(cookieToken(request));
  }

  checkRequest(request: FastifyRequest, credential: VerifiedCredential): void {
    if (!SAFE_METHODS.has(request.method) && !this.csrf.verify(request, credential.credentialId)) {
      throw new ForbiddenException(
        'CSRF token missing or incorrect: send the value of the csrftoken cookie in an X-CSRF-Token header',
      );
    }
  }
}
