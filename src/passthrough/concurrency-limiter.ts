/**
 * Counts calls in flight per key (a user id) in this process. A slot is taken before the
 * upstream call and given back once its answer is over, whatever the outcome.
 */
export class ConcurrencyLimiter {
  private readonly inFlight = new Map<number, number>();

  constructor(private readonly limit: number) {}

  /** A release function (safe to call twice), or null when `key` already has `limit` calls in flight. */
  tryAcquire(key: number): (() => void) | null {
    const count = this.inFlight.get(key) ?? 0;
    if (count >= this.limit) return null;
    this.inFlight.set(key, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.inFlight.get(key) ?? 1) - 1;
      if (left === 0) this.inFlight.delete(key);
      else this.inFlight.set(key, left);
    };
  }
}
