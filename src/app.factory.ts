import 'reflect-metadata';
import { ValidationPipe, type LogLevel } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, type AppModuleOptions } from './app.module.js';
import { registerAuthPlugins } from './auth/auth-plugins.js';
import { MAX_BODY_BYTES, registerBodyParsers } from './common/body-parsing.js';
import { registerNoCache } from './common/no-cache.js';
import { setupSwagger } from './common/swagger.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** Builds the whole application, exactly as production runs it; main.ts and the e2e tests share it. */
export async function createApp(options: AppModuleOptions): Promise<NestFastifyApplication> {
  const { config } = options;
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    // `/x` and `/x/` are one route: the dashboard app calls the providers list with the slash.
    // (Oversized headers, such as a 64 KiB token, are refused by Node itself with 431.)
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    return503OnClosing: true,
  });
  registerBodyParsers(adapter.getInstance());
  registerNoCache(adapter.getInstance());

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(options), adapter, {
    bodyParser: false,
    logger: LEVELS.slice(0, LEVELS.indexOf(config.LOG_LEVEL) + 1),
  });
  await registerAuthPlugins(app, config);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true, stopAtFirstError: false }));
  setupSwagger(app);
  await app.init();
  return app;
}
