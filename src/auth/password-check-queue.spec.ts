import { PasswordCheckQueue, PasswordChecksBusy } from './password-check-queue.js';

describe('PasswordCheckQueue (a flood of sign-ins cannot take every thread)', () => {
  it('runs at most `slots` tasks at once, queues up to `maxWaiting`, refuses the rest', async () => {
    const queue = new PasswordCheckQueue(2, 3);
    let running = 0;
    let peak = 0;
    const release: (() => void)[] = [];
    const task = () =>
      new Promise<void>((resolve) => {
        running++;
        peak = Math.max(peak, running);
        release.push(() => {
          running--;
          resolve();
        });
      });
    const accepted = Array.from({ length: 5 }, () => queue.run(task));
    await expect(queue.run(task)).rejects.toBeInstanceOf(PasswordChecksBusy);
    expect(queue.stats).toEqual({ running: 2, waiting: 3 });
    while (release.length || queue.stats.running) {
      release.shift()?.();
      await new Promise((r) => setImmediate(r));
    }
    await expect(Promise.all(accepted)).resolves.toHaveLength(5);
    expect(peak).toBe(2);
    expect(queue.stats).toEqual({ running: 0, waiting: 0 });
  });

  it('frees the slot when a task fails', async () => {
    const queue = new PasswordCheckQueue(1, 0);
    await expect(queue.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(queue.run(() => Promise.resolve(7))).resolves.toBe(7);
  });
});
