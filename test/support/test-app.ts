import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from '../../src/app.factory.js';
import { loadConfig, type AppConfig } from '../../src/config/app-config.js';
import { createTestDatabase, type TestDatabase } from './test-database.js';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
/** 32 bytes, base64: a fixed SECRETS_KEY, so that no test app writes a key file into DATA_DIR. */
export const TEST_SECRETS_KEY = Buffer.from('test-secrets-key-of-32-bytes-0123').subarray(0, 32).toString('base64');

export interface TestApp {
  app: NestFastifyApplication;
  config: AppConfig;
  db: TestDatabase;
  inject: NestFastifyApplication['inject'];
  close(): Promise<void>;
}

/** The real application (createApp, as main.ts builds it) on a fresh database made for this test file. */
export async function startTestApp(env: Record<string, string> = {}, db?: TestDatabase): Promise<TestApp> {
  const database = db ?? (await createTestDatabase());
  const config = loadConfig({
    NODE_ENV: 'test',
    JWT_SECRET: TEST_JWT_SECRET,
    SECRETS_KEY: TEST_SECRETS_KEY,
    LOG_LEVEL: 'error',
    DEMO_DATA: 'false',
    // The test process blocks its own event loop (fixtures, generated worlds): that is no load
    // of the service's to shed. test/observability-metrics.e2e-spec.ts turns it on.
    SHED_MAX_EVENT_LOOP_DELAY_MS: '0',
    // The embedded fallback has no DATABASE_URL, which is how the app knows it is embedded.
    ...(database.embedded ? {} : { DATABASE_URL: database.url }),
    ...env,
  });
  const app = await createApp({
    config,
    database: { url: database.url, poolSize: database.poolSize, statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS },
  });
  await app.getHttpAdapter().getInstance().ready();
  return {
    app,
    config,
    db: database,
    inject: app.inject.bind(app),
    async close() {
      await app.close();
      if (!db) await database.drop();
    },
  };
}
