import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** A key's failures in its current window, and the seconds left in that window. */
export interface FailureCount {
  key: string;
  failures: number;
  secondsLeft: number;
}

/** The sign-in failures every instance counts in (table sign_in_failures). */
@Injectable()
export class SignInFailuresRepository {
  constructor(private readonly db: DataSource) {}

  /** The keys' counts in windows still open; a key without one is absent. */
  async counts(keys: string[]): Promise<FailureCount[]> {
    const rows: { key: string; failures: number; seconds_left: number }[] = await this.db.query(
      `SELECT key, failures, ceil(extract(epoch FROM window_ends_at - now()))::integer AS seconds_left
         FROM sign_in_failures
        WHERE key = ANY($1) AND window_ends_at > now()`,
      [keys],
    );
    return rows.map((row) => ({ key: row.key, failures: row.failures, secondsLeft: row.seconds_left }));
  }

  /**
   * One more failure for each key, in one statement: within an open window it is counted, a
   * key whose window has closed starts a new one. Concurrent instances add up, row by row.
   */
  async record(keys: string[], windowSeconds: number): Promise<void> {
    await this.db.query(
      `INSERT INTO sign_in_failures (key, failures, window_ends_at)
       SELECT key, 1, now() + make_interval(secs => $2) FROM unnest($1::varchar[]) AS key
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN sign_in_failures.window_ends_at > now() THEN sign_in_failures.failures + 1 ELSE 1 END,
         window_ends_at = CASE WHEN sign_in_failures.window_ends_at > now()
                               THEN sign_in_failures.window_ends_at ELSE excluded.window_ends_at END`,
      [keys, windowSeconds],
    );
  }

  /** Rows whose window has closed count for nothing. */
  async deleteClosed(): Promise<void> {
    await this.db.query(`DELETE FROM sign_in_failures WHERE window_ends_at <= now()`);
  }
}
