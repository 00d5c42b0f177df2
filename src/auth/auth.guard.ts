import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  HttpException,
  HttpStatus,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import passport from 'passport';
import { prefersHtml } from './accept.js';
import type { AuthUser } from '../users/auth-user.js';
import { CsrfService } from './csrf.service.js';
import { JwtStrategy, type VerifiedToken } from './jwt.strategy.js';
import { IS_PUBLIC } from './public.decorator.js';
import { presentedToken } from './token-extraction.js';

export const REALM = 'providers';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

/**
 * The global guard (APP_GUARD): every route needs a valid access token unless it is @Public().
 * The token comes from `Authorization: Bearer` or the access cookie (see presentedToken);
 * cookie-authenticated unsafe requests must also pass the CSRF check. Without valid
 * credentials, a browser navigation is redirected to the login page and anything else gets
 * 401 with WWW-Authenticate. It runs before interceptors, pipes and the handler, so nothing
 * about the request's body or method is looked at before authentication.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: JwtStrategy,
    private readonly csrf: CsrfService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user?: AuthUser }>();
    const reply = http.getResponse<FastifyReply>();

    const presented = presentedToken(request);
    const verified = presented?.token ? await this.authenticate(request, reply) : false;
    if (!presented || !verified) throw this.unauthenticated(request, reply, presented !== null);

    if (presented.via === 'cookie' && !SAFE_METHODS.has(request.method) && !this.csrf.verify(request, verified.jti)) {
      throw new ForbiddenException(
        'CSRF token missing or incorrect: send the value of the csrftoken cookie in an X-CSRF-Token header',
      );
    }
    request.user = verified.user;
    return true;
  }

  /**
   * Runs the passport-jwt strategy of this application. A per-request object whose prototype is
   * the strategy (as passport does for a strategy registered by name) receives passport's
   * per-request success/fail functions, so concurrent requests never share them. Resolves false
   * for a rejected token; rejects for an error (e.g. the database is down: 503, not 401).
   */
  private authenticate(request: FastifyRequest, reply: FastifyReply): Promise<VerifiedToken | false> {
    return new Promise((resolve, reject) => {
      const middleware = passport.authenticate(
        Object.create(this.strategy) as passport.Strategy,
        { session: false },
        (err: unknown, verified: VerifiedToken | false, info: unknown) => {
          if (err) return reject(err);
          if (!verified) this.logger.debug(`Token rejected: ${describe(info)}`);
          resolve(verified || false);
        },
      );
      middleware(request, reply, (err?: unknown) => reject(err ?? new Error('passport ended without a result')));
    });
  }

  private unauthenticated(request: FastifyRequest, reply: FastifyReply, credentialSent: boolean): HttpException {
    if (prefersHtml(request.headers.accept)) {
      reply.header('location', `/login/?next=${encodeURIComponent(request.url)}`);
      return new HttpException('Sign in at /login/', HttpStatus.FOUND);
    }
    // RFC 6750 §3: the challenge says why when a token was presented and refused.
    reply.header('www-authenticate', `Bearer realm="${REALM}"${credentialSent ? ', error="invalid_token"' : ''}`);
    return new UnauthorizedException(credentialSent ? 'Invalid or expired token' : 'Authentication required');
  }
}

/** Why a token was refused, for debug logs: jsonwebtoken's reason, never the token itself. */
function describe(info: unknown): string {
  const message = info instanceof Error ? `${info.name}: ${info.message}` : 'user unknown or inactive, or claims refused';
  return message.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
}
