import {
  CanActivate,
  ExecutionContext,
  HttpException,
  HttpStatus,
  Inject,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import passport from 'passport';
import { inSpan } from '../observability/tracing.js';
import type { AuthUser } from '../users/auth-user.js';
import { prefersHtml } from './accept.js';
import { AuthUserCheck } from './auth-user-check.service.js';
import { AUTHENTICATORS, type Authenticator, type Presented, type VerifiedCredential } from './authenticator.js';
import { bearerChallenge } from './challenge.js';
import { IS_PUBLIC } from './public.decorator.js';
import { presentedTokenOf, type PresentedToken } from './revocation/token-revocations.service.js';

/**
 * The global guard (APP_GUARD): every route needs valid credentials unless it is @Public().
 * The registered authenticators are asked in order (auth.module.ts: the bearer token, then the
 * session cookie); the first one the request presents a credential to verifies it through its
 * passport strategy, then the guard checks the user it names (AuthUserCheck: there, active,
 * this token not signed out), then that authenticator's own check runs (the cookie's CSRF
 * check). Without valid credentials, a browser navigation is redirected to the login page and
 * anything else gets 401 with WWW-Authenticate. It runs before interceptors, pipes and the
 * handler, so nothing about the request's body or method is looked at before authentication.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);
  /**
   * This application's own passport, holding each authenticator's strategy by name. Not
   * passport's process-wide one: the last application built in a process (tests build
   * several) would otherwise verify credentials for all of them, with its own key.
   */
  private readonly passport = new passport.Authenticator();

  constructor(
    private readonly reflector: Reflector,
    @Inject(AUTHENTICATORS) private readonly authenticators: readonly Authenticator[],
    private readonly userCheck: AuthUserCheck,
  ) {
    for (const authenticator of authenticators) this.passport.use(authenticator.name, authenticator.strategy);
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, [context.getHandler(), context.getClass()])) return true;
    const http = context.switchToHttp();
    const request = http.getRequest<FastifyRequest & { user?: AuthUser }>();
    const reply = http.getResponse<FastifyReply>();
    // A span of its own when tracing: the user check's query is its child.
    return inSpan('auth.guard', () => this.authenticate(request, reply));
  }

  private async authenticate(request: FastifyRequest & { user?: AuthUser }, reply: FastifyReply): Promise<boolean> {
    const chosen = this.authenticatorFor(request);
    if (!chosen) throw this.unauthenticated(request, reply, false);
    const credential =
      chosen.presented === 'credential' ? await this.verify(chosen.authenticator, request, reply) : null;
    // Rejects when the database fails: 503, not 401.
    const user = credential ? await this.userCheck.userFor(credential) : null;
    if (!credential || !user) throw this.unauthenticated(request, reply, true);

    chosen.authenticator.checkRequest?.(request, credential);
    request.user = user;
    return true;
  }

  /**
   * The signed-out-able token the request presents, verified, or null (none, or not valid):
   * for POST /auth/logout, which is public so that an expired session still clears its cookies.
   */
  async presentedToken(request: FastifyRequest, reply: FastifyReply): Promise<PresentedToken | null> {
    const chosen = this.authenticatorFor(request);
    if (chosen?.presented !== 'credential') return null;
    const credential = await this.verify(chosen.authenticator, request, reply);
    return credential && presentedTokenOf(credential);
  }

  /** The first authenticator that the request presents something to: it alone decides. */
  private authenticatorFor(request: FastifyRequest): { authenticator: Authenticator; presented: Presented } | null {
    for (const authenticator of this.authenticators) {
      const presented = authenticator.presented(request);
      if (presented !== 'nothing') return { authenticator, presented };
    }
    return null;
  }

  /**
   * Runs the authenticator's strategy by name; passport gives each request its own instance of
   * it. Resolves null for a refused credential; rejects for an error.
   */
  private verify(
    authenticator: Authenticator,
    request: FastifyRequest,
    reply: FastifyReply,
  ): Promise<VerifiedCredential | null> {
    return new Promise((resolve, reject) => {
      const middleware = this.passport.authenticate(
        authenticator.name,
        { session: false },
        (err: unknown, credential: VerifiedCredential | false, info: unknown) => {
          if (err) return reject(err);
          if (!credential) this.logger.debug(`Token rejected: ${describe(info)}`);
          resolve(credential || null);
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
    reply.header('www-authenticate', bearerChallenge({ invalidToken: credentialSent }));
    return new UnauthorizedException(credentialSent ? 'Invalid or expired token' : 'Authentication required');
  }
}

/** Why a credential was refused, for debug logs: the verifier's reason, never the credential itself. */
function describe(info: unknown): string {
  const message = info instanceof Error ? `${info.name}: ${info.message}` : 'claims refused';
  return message.replace(/[^\x20-\x7e]/g, '?').slice(0, 120);
}
