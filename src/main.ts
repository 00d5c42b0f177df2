import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { createApp } from './app.factory.js';
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';
import { openDatabaseTarget } from './database/database-target.js';
import { DemoWorldService, formatDemoLogins } from './world/demo-world.service.js';

async function bootstrap(): Promise<void> {
  const logger = new Logger('Bootstrap');
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }

  const database = await openDatabaseTarget(config);
  const app = await createApp({ config, database: database.settings });
  const demo = config.demoData ? await app.get(DemoWorldService).seedIfEmpty() : undefined;
  await app.listen({ port: config.PORT, host: config.HOST });

  const url = (await app.getUrl()).replace('[::1]', 'localhost').replace('127.0.0.1', 'localhost');
  logger.log(`Listening on ${url}`);
  logger.log(`Dashboard: ${url}/dashboard/passthrough/   Swagger UI: ${url}/docs`);
  if (demo?.logins.length) logger.log(formatDemoLogins(demo.logins));

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.log(`${signal}: finishing requests in flight, then closing`);
    try {
      await app.close();
      await database.close();
      process.exit(0);
    } catch (err) {
      logger.error(`Shutdown failed: ${(err as Error).message}`);
      process.exit(1);
    }
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

bootstrap().catch((err) => {
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
