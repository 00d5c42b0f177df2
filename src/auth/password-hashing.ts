import argon2 from 'argon2';
import { availableParallelism } from 'node:os';

/**
 * The one definition of how passwords are hashed: argon2id with OWASP's baseline
 * (19 MiB of memory, 2 passes, 1 lane). Every stored hash carries its own parameters, so
 * raising these later leaves existing hashes verifiable. The world import and sign-in share
 * these functions.
 */
export const PASSWORD_HASH_OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * How many hashes run at once. argon2's async API runs on libuv's thread pool (4 threads by
 * default): one hash per core keeps the cores busy, and at most 3 leaves a thread for file
 * and DNS work (the demo world is imported inside the running service).
 */
export const HASHING_CONCURRENCY = Math.max(1, Math.min(availableParallelism(), 3));

export function hashPassword(plain: string): Promise<string> {
  return argon2.hash(plain, PASSWORD_HASH_OPTIONS);
}

/** True when `plain` is the password behind `hash`. A malformed stored hash matches nothing. */
export async function verifyPassword(hash: string, plain: string): Promise<boolean> {
  try {
    return await argon2.verify(hash, plain);
  } catch {
    return false;
  }
}

/**
 * Runs `task` over `items` with at most `limit` in flight, keeping the results in order.
 * Starting thousands of hashes at once would queue them all on the thread pool, where file
 * reads and DNS lookups would wait behind the last of them; a bounded pool is just as fast.
 */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  limit: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i], i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
