import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations/index.js';
import { TypeOrmLogger } from './typeorm-logger.js';

export interface DatabaseSettings {
  url: string;
  poolSize: number;
  statementTimeoutMs: number;
  applicationName?: string;
}

/** Always PostgreSQL, so callers can add pg-only options (poolErrorHandler) without a cast. */
export type PostgresOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/**
 * The one place that turns settings into TypeORM options: the app, the CLIs and the tests share it.
 * No entities: database/ knows no feature. The queries are SQL and need none; the data sources
 * that describe the schema (the app's, the TypeORM CLI's) add the features' list, APP_ENTITIES.
 */
export function dataSourceOptions(settings: DatabaseSettings): PostgresOptions {
  return {
    type: 'postgres',
    url: settings.url,
    migrations: MIGRATIONS,
    migrationsTableName: 'typeorm_migrations',
    // One transaction for all pending migrations: a failed run leaves the schema as it was.
    migrationsTransactionMode: 'all',
    synchronize: false,
    logging: ['error', 'warn', 'migration'],
    // Never TypeORM's own logger, here too: it prints a failed query's parameters, which in
    // the import CLI are password hashes.
    logger: new TypeOrmLogger(),
    poolSize: settings.poolSize,
    extra: {
      application_name: settings.applicationName ?? 'providers-service',
      // A request never waits forever: neither for a connection nor for a query.
      connectionTimeoutMillis: settings.statementTimeoutMs,
      statement_timeout: settings.statementTimeoutMs,
      idleTimeoutMillis: 30_000,
    },
  };
}
