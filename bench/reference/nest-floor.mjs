// Issue 16's "Nest floor": the design card at its minimum, on the service's own versions of
// NestJS (12, on Fastify), @nestjs/passport and passport-jwt. A global AuthGuard('jwt') with a
// passport-jwt strategy (HS256 pinned, the key as a key object, issuer, audience, expiry, the
// service's clock tolerance), one interceptor setting the never-cache headers, and a
// controller that returns the user's preloaded answer. Logger: errors and warnings only.
// Plain JavaScript, so the decorators are applied by hand (what TypeScript would emit).
import 'reflect-metadata';
import { createSecretKey } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  Controller,
  Header,
  HttpCode,
  Inject,
  Injectable,
  Module,
  Post,
  Req,
  UnauthorizedException,
} from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR, NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import { ExtractJwt, Strategy } from 'passport-jwt';
import { preloadAnswers, settingsFromEnv } from './preload.mjs';

const settings = settingsFromEnv();
// The service's own header values, from the build, so that the floor sends what it sends.
const { NEVER_CACHE } = await import(pathToFileURL(join(settings.dist, 'src', 'common', 'no-cache.js')).href);
const answers = await preloadAnswers(settings);
const ANSWERS = 'ANSWERS';
const SUB = /^[1-9][0-9]{0,9}$/;
const CLOCK_TOLERANCE_SECONDS = 5;

class JwtStrategy extends PassportStrategy(Strategy, 'jwt') {
  constructor() {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKey: createSecretKey(Buffer.from(settings.secret)),
      algorithms: ['HS256'],
      issuer: settings.issuer,
      audience: settings.audience,
      ignoreExpiration: false,
      jsonWebTokenOptions: { clockTolerance: CLOCK_TOLERANCE_SECONDS },
    });
  }

  /** What jsonwebtoken does not insist on, as the service and the baseline check it. */
  validate(payload) {
    const ok =
      typeof payload.exp === 'number' &&
      typeof payload.iat === 'number' &&
      typeof payload.jti === 'string' &&
      payload.jti.length > 0 &&
      payload.jti.length <= 64 &&
      typeof payload.sub === 'string' &&
      SUB.test(payload.sub) &&
      Number(payload.sub) <= 2_147_483_647;
    if (!ok) throw new UnauthorizedException();
    return { id: Number(payload.sub) };
  }
}
Injectable()(JwtStrategy);

class NeverCacheInterceptor {
  intercept(context, next) {
    const reply = context.switchToHttp().getResponse();
    reply.header('cache-control', NEVER_CACHE);
    reply.header('expires', new Date().toUTCString());
    reply.header('pragma', 'no-cache');
    reply.header('vary', 'Authorization, Cookie');
    return next.handle();
  }
}
Injectable()(NeverCacheInterceptor);

class ProvidersController {
  constructor(preloaded) {
    this.preloaded = preloaded;
  }

  list(request) {
    const answer = this.preloaded.get(request.user.id);
    if (answer === undefined) throw new UnauthorizedException();
    return answer;
  }
}
Controller('dashboard/passthrough/api/providers')(ProvidersController);
Inject(ANSWERS)(ProvidersController, undefined, 0);
Reflect.defineMetadata('design:paramtypes', [Map], ProvidersController);
const list = Object.getOwnPropertyDescriptor(ProvidersController.prototype, 'list');
for (const decorate of [Post(), HttpCode(200), Header('content-type', 'application/json; charset=utf-8')]) {
  decorate(ProvidersController.prototype, 'list', list);
}
Req()(ProvidersController.prototype, 'list', 0);

class FloorModule {}
Module({
  imports: [PassportModule],
  controllers: [ProvidersController],
  providers: [
    JwtStrategy,
    { provide: ANSWERS, useValue: answers },
    { provide: APP_GUARD, useClass: AuthGuard('jwt') },
    { provide: APP_INTERCEPTOR, useClass: NeverCacheInterceptor },
  ],
})(FloorModule);

const adapter = new FastifyAdapter({ routerOptions: { ignoreTrailingSlash: true } });
const app = await NestFactory.create(FloorModule, adapter, { logger: ['error', 'warn'], bodyParser: false });
const fastify = app.getHttpAdapter().getInstance();
// The benchmark's POST says application/json and sends no body, which Fastify's own parser
// refuses (400): the list reads no body, so any body is accepted and ignored.
fastify.removeContentTypeParser('application/json');
fastify.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_request, _body, done) => done(null, null));
// Readiness outside Nest, so outside the global guard.
fastify.get('/readyz', (_request, reply) => reply.send({ status: 'ok' }));
await app.listen(settings.port, '127.0.0.1');
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
