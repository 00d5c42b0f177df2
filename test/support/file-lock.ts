import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { isProcessAlive } from '../../src/common/process-alive.js';
import { sleep } from './wait.js';

/**
 * Runs `fn` while this process holds the lock file at `path`; other processes (jest's workers)
 * wait for it. The file holds the holder's pid: a lock left by a process that was killed is
 * taken over.
 */
export async function withFileLock<T>(path: string, fn: () => Promise<T>): Promise<T> {
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = abandonedBy(path);
    if (holder !== undefined && abandonedBy(path) === holder) rmSync(path, { force: true });
    else await sleep(200);
  }
  try {
    return await fn();
  } finally {
    rmSync(path, { force: true });
  }
}

/**
 * The content of a lock whose holder is gone, else undefined. An empty file is a holder killed
 * between creating and writing it, once it is older than that could take.
 */
function abandonedBy(path: string): string | undefined {
  try {
    const holder = readFileSync(path, 'utf8');
    if (holder) return isProcessAlive(Number(holder)) ? undefined : holder;
    return Date.now() - statSync(path).mtimeMs > 5_000 ? holder : undefined;
  } catch {
    return undefined; // released meanwhile: try again
  }
}
