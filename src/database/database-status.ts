import { HttpException, Injectable, Logger, OnApplicationBootstrap, ServiceUnavailableException } from '@nestjs/common';
import type { EventEmitter } from 'node:events';
import { DataSource, type AfterQueryEvent, type EntitySubscriberInterface } from 'typeorm';
import type { ErrorTranslator } from '../common/all-exceptions.filter.js';
import { describeDatabaseError, isDatabaseUnavailable } from './database-errors.js';

/**
 * A failure this recent keeps the database counted as down: while PostgreSQL restarts (or a
 * lock makes queries time out), failures and successes interleave for a moment, and each
 * switch would otherwise be a log line.
 */
const QUIET_MS = 1000;

interface Outage {
  since: number;
  lastFailure: number;
  /** Requests answered 503 because of it. */
  requests: number;
}

/**
 * Whether the database is answering, as far as requests have seen, so that an outage is logged
 * once when it starts and once when it ends rather than once per request. Failures are
 * reported by the exception filter, which asks this class to translate every error it does
 * not know (so every 503 goes through here), and by the pool (idle connections the server
 * closed); the end is the first query that succeeds afterwards, seen as a TypeORM subscriber,
 * which is told about every query the application runs.
 */
@Injectable()
export class DatabaseStatus implements EntitySubscriberInterface, OnApplicationBootstrap, ErrorTranslator {
  private readonly logger = new Logger(DatabaseStatus.name);
  private outage: Outage | null = null;

  constructor(private readonly dataSource: DataSource) {
    dataSource.subscribers.push(this);
  }

  onApplicationBootstrap(): void {
    // The pool reports connections that fail while idle (the server shut down) here; the
    // pool drops them by itself, so all there is to do is to note the outage.
    const pool = (this.dataSource.driver as { master?: EventEmitter }).master;
    pool?.on('error', (err: unknown) => {
      if (isDatabaseUnavailable(err)) this.unavailable(err, { request: false });
      else this.logger.warn(`An idle database connection failed: ${describeDatabaseError(err)}`);
    });
  }

  /** A request failed because the database did not answer: 503, and the outage is noted. */
  translate(error: unknown): HttpException | undefined {
    if (!isDatabaseUnavailable(error)) return undefined;
    this.unavailable(error);
    return new ServiceUnavailableException('database unavailable');
  }

  /** A database failure; `request` when a request was answered 503 because of it. */
  unavailable(error: unknown, { request = true }: { request?: boolean } = {}): void {
    const now = Date.now();
    if (this.outage) {
      this.outage.lastFailure = now;
      if (request) this.outage.requests++;
      return;
    }
    this.outage = { since: now, lastFailure: now, requests: request ? 1 : 0 };
    this.logger.warn(`Database unavailable (${describeDatabaseError(error)}): answering 503 until it answers again`);
  }

  afterQuery(event: AfterQueryEvent): void {
    const outage = this.outage;
    if (!outage || !event.success) return;
    const now = Date.now();
    if (now - outage.lastFailure < QUIET_MS) return;
    this.outage = null;
    this.logger.log(
      `Database is back after ${((now - outage.since) / 1000).toFixed(1)} s; ` +
        `${outage.requests} request${outage.requests === 1 ? ' was' : 's were'} answered 503 meanwhile`,
    );
  }
}
