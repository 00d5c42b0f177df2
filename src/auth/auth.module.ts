import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { UsersModule } from '../users/users.module.js';
import { AuthUserCheck } from './auth-user-check.service.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { SameSiteGuard } from './same-site-only.decorator.js';
import { AuthService } from './auth.service.js';
import { AUTHENTICATORS, type Authenticator } from './authenticator.js';
import { BearerJwtAuthenticator } from './bearer-jwt.authenticator.js';
import { CookieJwtAuthenticator } from './cookie-jwt.authenticator.js';
import { CsrfService } from './csrf.service.js';
import { JWT_SIGNING_KEY, resolveJwtSecret } from './jwt-secret.js';
import { LoginPageController } from './login-page.controller.js';
import { LoginThrottle } from './login-throttle.service.js';
import { TokenRevocationsRepository } from './revocation/token-revocations.repository.js';
import { TokenRevocations } from './revocation/token-revocations.service.js';
import { SignInFailuresRepository } from './throttle/sign-in-failures.repository.js';
import { TokenService } from './token.service.js';

/**
 * The ways a request may present credentials, in the order the guard asks them. A new one
 * (an API key, another issuer's tokens) is one Authenticator class added here.
 */
const AUTHENTICATOR_CLASSES = [BearerJwtAuthenticator, CookieJwtAuthenticator];

/**
 * Sign-in (JSON and the HTML page), access tokens, the browser session's cookies and CSRF
 * tokens. AuthGuard and SameSiteGuard are exported for the application module to install
 * globally (APP_GUARD).
 */
@Module({
  imports: [UsersModule],
  controllers: [AuthController, LoginPageController],
  providers: [
    { provide: JWT_SIGNING_KEY, useFactory: resolveJwtSecret, inject: [AppConfig] },
    ...AUTHENTICATOR_CLASSES,
    { provide: AUTHENTICATORS, useFactory: (...list: Authenticator[]) => list, inject: AUTHENTICATOR_CLASSES },
    AuthGuard,
    AuthService,
    AuthUserCheck,
    CsrfService,
    SameSiteGuard,
    LoginThrottle,
    SignInFailuresRepository,
    TokenRevocations,
    TokenRevocationsRepository,
    TokenService,
  ],
  exports: [AuthGuard, SameSiteGuard],
})
export class AuthModule {}
