import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config.js';
import type { DatabaseSettings } from './data-source-options.js';

export interface DatabaseTarget {
  settings: DatabaseSettings;
  /** Stops the embedded database, if one was started; call after the pool is closed. */
  close(): Promise<void>;
}

/** DATABASE_URL when set; otherwise the embedded PostgreSQL under DATA_DIR (development and demos). */
export async function openDatabaseTarget(config: AppConfig, applicationName?: string): Promise<DatabaseTarget> {
  const common = { statementTimeoutMs: config.DB_STATEMENT_TIMEOUT_MS, applicationName };
  if (config.DATABASE_URL) {
    return { settings: { ...common, url: config.DATABASE_URL, poolSize: config.DB_POOL_SIZE }, close: async () => {} };
  }
  if (config.isProduction) {
    new Logger('Database').warn(
      'DATABASE_URL is not set: using the embedded database, which is not meant for production',
    );
  }
  new Logger('Database').log(`Embedded PostgreSQL (PGlite) in ${config.DATA_DIR}/ — for development and demos only`);
  // Loaded only here: a service with DATABASE_URL never loads PGlite (test/embedded-on-demand.e2e-spec.ts).
  const { startEmbeddedPostgres } = await import('./embedded-postgres.js');
  const embedded = await startEmbeddedPostgres(config.DATA_DIR);
  // PGlite has one connection; see embedded-postgres.ts.
  return { settings: { ...common, url: embedded.url, poolSize: 1 }, close: () => embedded.stop() };
}
