import { ForbiddenException, Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import type { Authenticator, Presented, VerifiedCredential } from './authenticator.js';
import { CsrfService } from './csrf.service.js';
import { JWT_SIGNING_KEY } from './jwt-secret.js';
import { JwtStrategy } from './jwt.strategy.js';
import { requestProvenance } from './origin.js';
import { cookieToken, presence } from './token-extraction.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

export const CROSS_ORIGIN_MESSAGE =
  'Cross-origin request refused: cookie-authenticated calls are accepted from this service’s own pages and its allowed origins only';
export const CSRF_TOKEN_MESSAGE =
  'CSRF token missing or incorrect: send the value of the csrftoken cookie in an X-CSRF-Token header';

/**
 * The browser session: an access token in the `access_token` cookie, which the browser sends
 * by itself, so an unsafe request must also show that it comes from a page we trust. A browser
 * says where a request comes from (Fetch Metadata, see requestProvenance), and that decides:
 * a page of this origin or of an allowed one passes without a token (Smarter's dashboard app
 * sends none for its providers call), any other page is refused even with one. Only a request
 * that says nothing needs the double-submit token (CsrfService).
 */
@Injectable()
export class CookieJwtAuthenticator implements Authenticator {
  readonly name = 'cookie-jwt';
  readonly strategy: JwtStrategy;

  constructor(
    private readonly config: AppConfig,
    @Inject(JWT_SIGNING_KEY) signingKey: string,
    private readonly csrf: CsrfService,
  ) {
    this.strategy = new JwtStrategy(this.name, (request) => cookieToken(request) ?? null, config, signingKey);
  }

  presented(request: FastifyRequest): Presented {
    return presence(cookieToken(request));
  }

  checkRequest(request: FastifyRequest, credential: VerifiedCredential): void {
    if (SAFE_METHODS.has(request.method)) return;
    const provenance = requestProvenance(request, this.config);
    if (provenance === 'untrusted') throw new ForbiddenException(CROSS_ORIGIN_MESSAGE);
    if (provenance === 'unknown' && !this.csrf.verify(request, credential.credentialId)) {
      throw new ForbiddenException(CSRF_TOKEN_MESSAGE);
    }
  }
}
