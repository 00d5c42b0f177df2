import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The text of a development secret kept in a file (mode 0600 in a 0700 folder), made from
 * `bytes` random bytes the first time. Outside production the service generates its secrets
 * instead of asking for them, and keeps them so that they survive a restart (signed-in browsers,
 * API keys sealed under the key). `created` says whether this call made the file.
 */
export function keptSecretFile(
  path: string,
  bytes: number,
  encoding: BufferEncoding,
): { text: string; created: boolean } {
  const existing = readIfExists(path);
  if (existing !== undefined) return { text: existing, created: false };

  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const text = randomBytes(bytes).toString(encoding);
  try {
    // 'wx': if another process created the file meanwhile, use its secret rather than overwrite it.
    writeFileSync(path, `${text}\n`, { mode: 0o600, flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return { text: readIfExists(path) ?? text, created: false };
    throw err;
  }
  return { text, created: true };
}

function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}
