import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import type { IncomingMessage } from 'node:http';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { AppModule, type AppModuleOptions } from './app.module.js';
import type { AppConfig } from './config/app-config.js';
import { registerAuthPlugins } from './auth/auth-plugins.js';
import { MAX_BODY_BYTES, registerBodyParsers } from './common/body-parsing.js';
import { clientErrorHandler } from './common/client-errors.js';
import { registerCloseConnectionsOnShutdown } from './common/close-connections.js';
import { registerNoCache } from './common/no-cache.js';
import { registerRequestDeadline } from './common/request-deadline.js';
import { registerRouteOverrides } from './common/route-overrides.js';
import { registerSecurityHeaders, serviceSecurityHeaders } from './common/security-headers.js';
import { setupSwagger } from './common/swagger.js';
import { registerLoadShedding } from './observability/load-shedding.js';
import { MetricsService } from './observability/metrics.service.js';
import { requestIdFrom } from './observability/request-id.js';
import { registerRequestMetrics } from './observability/request-metrics.js';
import { registerRequestLogging } from './observability/request-logging.js';
import { ServiceLogger } from './observability/service-logger.js';

/**
 * Time a client has to send a whole request (headers and body). Fastify's default is none, so
 * a client that announces a body and never sends it would hold its socket forever. Node
 * checks it every 30 s, so such a request is refused (408) after 30 to 60 s.
 */
const RECEIVE_TIMEOUT_MS = 30_000;

/** Builds the whole application, exactly as production runs it; main.ts and the e2e tests share it. */
export async function createApp(
  options: AppModuleOptions & { logger?: ServiceLogger },
): Promise<NestFastifyApplication> {
  const { config, logger = readableLogger(config) } = options;
  const adapter = new FastifyAdapter({
    bodyLimit: MAX_BODY_BYTES,
    // `/x` and `/x/` are one route: the dashboard app calls the providers list with the slash.
    // (Oversized headers, such as a 64 KiB token, are refused by Node itself with 431.)
    routerOptions: { maxParamLength: 200, ignoreTrailingSlash: true },
    // While shutting down, a request that arrives on a kept-alive connection is answered 503
    // at once (with Connection: close); requests already in flight finish (main.ts,
    // close-connections.ts).
    return503OnClosing: true,
    requestTimeout: RECEIVE_TIMEOUT_MS,
    clientErrorHandler: clientErrorHandler(serviceSecurityHeaders({ hsts: config.cookieSecure })),
    // The request id comes from the caller's headers when sane (request-id.ts), never as is.
    requestIdHeader: false,
    // Which peers' X-Forwarded-For is believed for the client address (sign-in throttling).
    trustProxy: config.trustProxy,
    genReqId: (request: IncomingMessage) => requestIdFrom(request.headers),
  });
  // First, so that the deadline covers every other hook.
  registerRequestDeadline(adapter.getInstance(), config.REQUEST_TIMEOUT_MS);
  registerRouteOverrides(adapter.getInstance());
  // HSTS goes with Secure cookies: both say that browsers reach the service over HTTPS.
  registerSecurityHeaders(adapter.getInstance(), { hsts: config.cookieSecure });
  registerRequestLogging(adapter.getInstance(), logger);
  registerBodyParsers(adapter.getInstance());
  registerNoCache(adapter.getInstance());
  registerCloseConnectionsOnShutdown(adapter.getInstance());

  const app = await NestFactory.create<NestFastifyApplication>(AppModule.register(options), adapter, {
    bodyParser: false,
    logger,
  });
  const metrics = app.get(MetricsService);
  // Before any route is registered (app.init), so that every route is measured and can be shed.
  registerRequestMetrics(adapter.getInstance(), metrics);
  await registerLoadShedding(app, config, metrics);
  await registerAuthPlugins(app, config);
  app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true, stopAtFirstError: false }));
  setupSwagger(app);
  await app.init();
  return app;
}

/**
 * The service's one logger, as the configuration asks for it: JSON lines in production. Only
 * the service process (main.ts) writes JSON; an application built inside a test process keeps
 * the readable lines, which the tests read.
 */
export function serviceLogger(config: AppConfig): ServiceLogger {
  return new ServiceLogger({ json: config.isProduction, level: config.LOG_LEVEL });
}

function readableLogger(config: AppConfig): ServiceLogger {
  return new ServiceLogger({ json: false, level: config.LOG_LEVEL });
}
