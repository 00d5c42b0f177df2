import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
} from '@nestjs/common';
import PgBoss from 'pg-boss';
import type { Pool } from 'pg';
import { DataSource, type EntityManager } from 'typeorm';
import { MetricsService } from '../observability/metrics.service.js';
import { inSpan } from '../observability/tracing.js';
import { JOBS_SETTINGS, type JobsSettings } from './jobs.module-definition.js';

/** One kind of job: its queue, how it is retried, and the function that does it. */
export interface JobDefinition<Data extends object> {
  queue: string;
  /** Runs once per job (on one instance). Throwing fails the attempt; it is retried with back-off. */
  handle(data: Data): Promise<void>;
  /** Attempts after the first. */
  retryLimit: number;
  /** Before the first retry; each next one waits twice as long (with jitter). */
  retryDelaySeconds: number;
  /**
   * Longest an attempt may stay active: past it, the job counts as failed (its worker died or
   * hung) and is retried, by any instance.
   */
  expireInSeconds: number;
  /** A cron expression (UTC): the job is also sent on that schedule, once for all instances. */
  cron?: string;
}

/**
 * The job queue: pg-boss on the service's own PostgreSQL, in its own schema (`pgboss`, which it
 * creates and migrates at start-up), over the service's connection pool rather than a second
 * one, so that the embedded database, which has a single connection, runs it too. pg-boss takes
 * each job with SKIP LOCKED, so with several instances each job runs once.
 *
 * Features define their jobs before the application starts (in onModuleInit); the queue starts
 * when the application has bootstrapped. On close, its workers stop before any module's
 * onApplicationShutdown (which closes the pool, the outbound agent): jobs in flight finish
 * within `stopTimeoutMs` with both still there. Requests still in flight may go on queueing
 * jobs, which are plain rows: the next instance to run takes them.
 */
@Injectable()
export class JobQueue implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(JobQueue.name);
  private readonly definitions = new Map<string, JobDefinition<object>>();
  private readonly workerIds = new Map<string, string>();
  private readonly boss: PgBoss;
  private started = false;
  private readonly lastLogged = new Map<string, number>();
  private readonly failures;

  constructor(
    @Inject(JOBS_SETTINGS) private readonly settings: JobsSettings,
    dataSource: DataSource,
    metrics: MetricsService,
  ) {
    const pool = (dataSource.driver as unknown as { master: Pool }).master;
    this.boss = new PgBoss({ db: { executeSql: (text, values) => pool.query(text, values) } });
    // pg-boss reports a failed poll every few seconds while the database is down; the outage
    // itself is logged once by DatabaseStatus, so each kind of error is logged once a minute.
    this.boss.on('error', (err) => {
      const now = Date.now();
      const key = err.message.replace(/\(Queue: .*\)$/, '');
      if ((this.lastLogged.get(key) ?? -Infinity) > now - 60_000) return;
      if (this.lastLogged.size > 100) this.lastLogged.clear();
      this.lastLogged.set(key, now);
      this.logger.error(`Job queue: ${err.message}`);
    });
    // The queue is shared: every instance reports the same depth, which is the whole backlog.
    metrics.labelledGauge(
      'job_queue_depth',
      'Jobs waiting for a worker (queued, or due for a retry), by queue, counted over all instances',
      ['queue'],
      async (set) => {
        if (!this.started) return;
        for (const queue of this.definitions.keys()) set({ queue }, await this.boss.getQueueSize(queue));
      },
    );
    this.failures = metrics.counter(
      'job_failures_total',
      'Job attempts that failed on this instance, by queue; final="true" when no retry is left',
      ['queue', 'final'],
    );
  }

  define<Data extends object>(definition: JobDefinition<Data>): void {
    if (this.started) throw new Error(`Job ${definition.queue} defined after the queue started`);
    this.definitions.set(definition.queue, definition as unknown as JobDefinition<object>);
  }

  /**
   * Queues a job in the caller's transaction: it exists if and only if the transaction commits
   * (e.g. with the status change that announces it). Call `wake` once it has committed.
   */
  async sendInTransaction(manager: EntityManager, queue: string, data: object): Promise<void> {
    // pg-boss's insert is one INSERT … RETURNING, whose rows TypeORM hands back as they are.
    const db = { executeSql: async (text: string, values: unknown[]) => ({ rows: await manager.query(text, values) }) };
    await this.boss.send(queue, data, { db });
  }

  /** Queues a job on its own. */
  async send(queue: string, data: object): Promise<void> {
    await this.boss.send(queue, data);
    this.wake(queue);
  }

  /** This instance's worker looks for jobs now rather than at its next poll. */
  wake(queue: string): void {
    const workerId = this.workerIds.get(queue);
    if (workerId) this.boss.notifyWorker(workerId);
  }

  async onApplicationBootstrap(): Promise<void> {
    await this.boss.start();
    for (const definition of this.definitions.values()) {
      await this.boss.createQueue(definition.queue, {
        name: definition.queue,
        retryLimit: definition.retryLimit,
        retryDelay: definition.retryDelaySeconds,
        retryBackoff: true,
        expireInSeconds: definition.expireInSeconds,
      });
      const workerId = await this.boss.work<object>(definition.queue, { includeMetadata: true }, async (jobs) => {
        for (const job of jobs) {
          try {
            // When tracing, each job is a trace of its own: its queries and upstream calls beneath it.
            await inSpan(`job ${definition.queue}`, () => definition.handle(job.data));
          } catch (err) {
            const final = String(job.retryCount >= job.retryLimit);
            this.failures.inc({ queue: definition.queue, final });
            throw err;
          }
        }
      });
      this.workerIds.set(definition.queue, workerId);
      if (definition.cron) await this.boss.schedule(definition.queue, definition.cron, {});
    }
    this.started = true;
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, close: false, timeout: this.settings.stopTimeoutMs });
  }
}
