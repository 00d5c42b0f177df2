import { Injectable } from '@nestjs/common';
import { DataSource, type AfterQueryEvent, type EntitySubscriberInterface } from 'typeorm';
import { DataChangesService } from '../database/data-changes.service.js';
import { isDatabaseUnavailable } from '../database/database-errors.js';
import { MetricsService } from './metrics.service.js';

interface PoolCounts {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
}

/**
 * The connection pool (read when scraped), failed queries by kind (as a TypeORM subscriber,
 * which is told about every query), and whether the change listener the caches rely on is live.
 */
@Injectable()
export class DatabaseMetrics implements EntitySubscriberInterface {
  private readonly queryErrors;

  constructor(dataSource: DataSource, metrics: MetricsService, changes: DataChangesService) {
    const pool = () => (dataSource.driver as { master?: PoolCounts }).master;
    metrics.gauge('db_pool_size', 'Connections the pool holds (busy and idle)', () => pool()?.totalCount ?? 0);
    metrics.gauge(
      'db_pool_busy',
      'Connections lent to a query or transaction',
      () => (pool()?.totalCount ?? 0) - (pool()?.idleCount ?? 0),
    );
    metrics.gauge('db_pool_waiting', 'Queries waiting for a free connection', () => pool()?.waitingCount ?? 0);
    metrics.gauge('db_change_listener_live', '1 while the LISTEN connection the caches rely on is up', () =>
      changes.isLive ? 1 : 0,
    );
    this.queryErrors = metrics.counter('db_query_errors_total', 'Failed queries, by kind', ['kind']);
    dataSource.subscribers.push(this);
  }

  afterQuery(event: AfterQueryEvent): void {
    if (!event.success) this.queryErrors.inc({ kind: queryErrorKind(event.error) });
  }
}

/** A few kinds an operator acts on differently; the SQLSTATE class for the rest. */
export function queryErrorKind(error: unknown): string {
  const driverError = (error as { driverError?: unknown } | null)?.driverError ?? error;
  const code = (driverError as { code?: unknown } | null)?.code;
  if (code === '57014') return 'statement_timeout';
  if (isDatabaseUnavailable(error)) return 'unavailable';
  if (typeof code !== 'string' || !/^[0-9A-Z]{5}$/.test(code)) return 'other';
  if (code.startsWith('23')) return 'constraint';
  if (code === '40001' || code === '40P01') return 'serialization';
  return `sqlstate_${code.slice(0, 2)}`;
}
