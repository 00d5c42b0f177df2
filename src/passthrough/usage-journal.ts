import { Injectable, Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { PassthroughRepository, type UsageRecord } from './passthrough.repository.js';

/** Rows in one INSERT at most: PostgreSQL takes 65535 parameters, and a row has 11. */
const MAX_ROWS_PER_INSERT = 500;

/**
 * The usage journal's writer, off the answer's path. A row is queued and written once the
 * current answer has gone out (setImmediate runs after the reply's write). Rows that arrive
 * while an INSERT is in flight go out together in the next one: under load one statement
 * carries many calls, and no row ever waits for a timer, so a crash loses no more than a
 * plain INSERT per call would (the rows whose statement has not committed yet). Shutdown
 * waits for the queue to drain before the pool closes (beforeApplicationShutdown runs before
 * TypeORM's onApplicationShutdown).
 */
@Injectable()
export class UsageJournal implements BeforeApplicationShutdown {
  private readonly logger = new Logger(UsageJournal.name);
  private readonly queue: UsageRecord[] = [];
  private writing: Promise<void> | null = null;

  constructor(private readonly repository: PassthroughRepository) {}

  record(row: UsageRecord): void {
    this.queue.push(row);
    this.writing ??= new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.drain());
  }

  /** Resolves once every row recorded so far has been written (or its failure logged). */
  async flushed(): Promise<void> {
    while (this.writing) await this.writing;
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.flushed();
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, MAX_ROWS_PER_INSERT);
        try {
          await this.repository.recordUsage(batch);
        } catch (err) {
          this.logger.warn(
            `Could not write ${batch.length} usage row(s) of passthrough calls: ${(err as Error).message}`,
          );
        }
      }
    } finally {
      this.writing = null;
    }
  }
}
