/** Thrown when the queue is full: the caller answers 503 with Retry-After. */
export class PasswordChecksBusy extends Error {
  constructor() {
    super('Too many sign-ins in progress');
    this.name = 'PasswordChecksBusy';
  }
}

/**
 * Runs password checks with at most `slots` at a time and at most `maxWaiting` queued.
 * argon2 runs on libuv's thread pool, off the event loop, but a flood of wrong passwords
 * would otherwise keep every pool thread and core busy hashing, and every other request
 * waiting behind it. A flood beyond the queue is refused at once (no memory growth, no
 * unbounded wait).
 */
export class PasswordCheckQueue {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly slots: number,
    private readonly maxWaiting: number,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running < this.slots) {
      this.running++;
    } else {
      if (this.waiting.length >= this.maxWaiting) throw new PasswordChecksBusy();
      // The slot is handed over by the task that finishes (running stays the same).
      await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    try {
      return await task();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }

  get stats(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }
}
