import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

export interface WaitOptions<T> {
  timeoutMs: number;
  intervalMs?: number;
  /** What is awaited, for the error: `${what}: not within ${timeoutMs} ms`. */
  what: string;
  /** More for that error, from the last value read (a count, a log). */
  details?: (last: T) => string;
}

/**
 * Reads until `done` accepts what was read, pausing `intervalMs` between reads. Resolves with
 * that value and the milliseconds it took; throws once `timeoutMs` have passed without it.
 */
export async function waitFor<T>(
  read: () => T | Promise<T>,
  done: (value: T) => boolean,
  { timeoutMs, intervalMs = 20, what, details }: WaitOptions<T>,
): Promise<{ value: T; ms: number }> {
  const start = performance.now();
  for (;;) {
    const value = await read();
    const ms = performance.now() - start;
    if (done(value)) return { value, ms };
    if (ms > timeoutMs) throw new Error(`${what}: not within ${timeoutMs} ms${details ? `\n${details(value)}` : ''}`);
    await sleep(intervalMs);
  }
}
