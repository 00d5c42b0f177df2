import { Logger } from '@nestjs/common';
import type { Logger as TypeOrmLoggerInterface } from 'typeorm';
import { describeDatabaseError, isDatabaseUnavailable } from './database-errors.js';

const MAX_SQL_IN_LOG = 300;

/**
 * TypeORM's messages through Nest's logger, with two differences from TypeORM's own loggers:
 * a query that failed because the database is unavailable is not logged (DatabaseStatus says
 * so once per outage, where TypeORM would say it once per query), and a failed query is logged
 * without its parameters, which can hold password hashes (the world import) or user input.
 */
export class TypeOrmLogger implements TypeOrmLoggerInterface {
  private readonly logger = new Logger('TypeORM');

  logQuery(): void {}

  logQueryError(error: string | Error, query: string): void {
    if (isDatabaseUnavailable(error)) return;
    this.logger.error(`Query failed: ${describeDatabaseError(error)} -- ${oneLine(query)}`);
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn(`Slow query (${time} ms): ${oneLine(query)}`);
  }

  logSchemaBuild(): void {}

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }
}

function oneLine(sql: string): string {
  const text = sql.replace(/\s+/g, ' ').trim();
  return text.length > MAX_SQL_IN_LOG ? `${text.slice(0, MAX_SQL_IN_LOG)}...` : text;
}
