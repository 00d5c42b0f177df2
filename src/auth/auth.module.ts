import { Module } from '@nestjs/common';
import { AppConfig } from '../config/app-config.js';
import { UsersModule } from '../users/users.module.js';
import { AuthController } from './auth.controller.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { CsrfService } from './csrf.service.js';
import { JWT_SIGNING_KEY, resolveJwtSecret } from './jwt-secret.js';
import { JwtStrategy } from './jwt.strategy.js';
import { LoginPageController } from './login-page.controller.js';
import { LoginThrottle } from './login-throttle.service.js';
import { TokenService } from './token.service.js';

/**
 * Sign-in (JSON and the HTML page), access tokens, the browser session's cookies and CSRF
 * tokens. AuthGuard is exported for the application module to install globally (APP_GUARD).
 */
@Module({
  imports: [UsersModule],
  controllers: [AuthController, LoginPageController],
  providers: [
    { provide: JWT_SIGNING_KEY, useFactory: resolveJwtSecret, inject: [AppConfig] },
    AuthGuard,
    AuthService,
    CsrfService,
    JwtStrategy,
    LoginThrottle,
    TokenService,
  ],
  exports: [AuthGuard],
})
export class AuthModule {}
