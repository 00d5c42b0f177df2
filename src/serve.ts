import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp, serviceLogger } from './app.factory.js';
import type { AppConfig } from './config/app-config.js';
import { configWarnings } from './config/production-checks.js';
import { openDatabaseTarget } from './database/database-target.js';
import { shutdownTracing, tracingOn } from './observability/tracing.js';
import { DemoWorldService, formatDemoLogins } from './world/demo-world.service.js';

/** The service, configured: main.ts has validated the settings and started tracing if asked to. */
export async function serve(config: AppConfig): Promise<void> {
  const logger = new Logger('Bootstrap');
  // Before anything logs: the warnings below are already in the configured format.
  const serviceLog = serviceLogger(config);
  Logger.overrideLogger(serviceLog);
  for (const warning of configWarnings(config)) logger.warn(warning);
  if (tracingOn()) logger.log(`Exporting traces to ${new URL(config.OTEL_EXPORTER_OTLP_ENDPOINT!).origin}`);

  const database = await openDatabaseTarget(config);
  const app = await createApp({ config, database: database.settings, logger: serviceLog });
  const demo = config.demoData ? await app.get(DemoWorldService).seedIfEmpty() : undefined;
  /** The HTTP server (after its requests in flight), the pool and the change listener, then the last spans. */
  const closeAll = async () => {
    await app.close();
    await database.close();
    await shutdownTracing();
  };
  try {
    await app.listen({ port: config.PORT, host: config.HOST });
  } catch (err) {
    // A port taken by another program (or another copy of this service) is a setting to
    // change, not a crash: say which, and let go of the database (the embedded one is locked).
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
    logger.error(
      `Cannot listen on ${config.HOST}:${config.PORT}: ${code === 'EADDRINUSE' ? 'the port is already in use' : 'permission denied'}; set PORT (or HOST) to another value`,
    );
    await closeAll();
    process.exit(1);
  }

  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  logger.log(`Listening on ${url}`);
  logger.log(`Dashboard: ${url}/dashboard/passthrough/   Swagger UI: ${url}/docs`);
  if (demo?.logins.length) logger.log(formatDemoLogins(demo.logins));

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal}: finishing requests in flight, then closing`);
    // Requests in flight are waited for, but not forever: a client that holds its request open
    // must not keep an orchestrator's SIGTERM from taking effect.
    setTimeout(() => {
      logger.error(
        `Requests still in flight after SHUTDOWN_TIMEOUT_MS (${config.SHUTDOWN_TIMEOUT_MS} ms): exiting anyway`,
      );
      process.exit(1);
    }, config.SHUTDOWN_TIMEOUT_MS).unref();
    try {
      // Stops accepting connections, waits for requests in flight, then closes the pool and the
      // LISTEN connection (Nest's shutdown hooks run after the HTTP server has closed).
      await closeAll();
      logger.log('Closed: HTTP server, database pool and change listener');
      process.exit(0);
    } catch (err) {
      logger.error(`Shutdown failed: ${(err as Error).message}`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
