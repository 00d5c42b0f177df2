import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { isProcessAlive } from '../common/process-alive.js';

export interface EmbeddedPostgres {
  /** A postgres:// URL that the ordinary `pg` driver connects to (over a unix socket). */
  url: string;
  stop(): Promise<void>;
}

/**
 * PGlite (PostgreSQL compiled to WebAssembly) persisted under `dataDir/pgdata`, served to the
 * `pg` driver over a unix socket so that the service has a single SQL code path.
 *
 * PGlite is single-connection, and pglite-socket's multiplexer can interleave a large query
 * split across network reads with another client's query. So the socket server accepts
 * one connection, and callers must use a pool of size 1. This mode is for development
 * and demos, never for production.
 */
export async function startEmbeddedPostgres(dataDir: string): Promise<EmbeddedPostgres> {
  const root = resolve(dataDir);
  mkdirSync(root, { recursive: true });
  const releaseLock = acquireLock(join(root, 'embedded.lock'));
  try {
    const db = await PGlite.create({ dataDir: join(root, 'pgdata') });
    // Unix socket paths are limited to ~107 bytes, so the socket lives in a short temp dir.
    const socketDir = mkdtempSync(join(tmpdir(), 'pgl-'));
    const server = new PGLiteSocketServer({ db, path: join(socketDir, '.s.PGSQL.5432'), maxConnections: 1 });
    await server.start();
    let stopped = false;
    return {
      url: `postgresql://postgres@localhost/postgres?host=${encodeURIComponent(socketDir)}`,
      async stop() {
        if (stopped) return;
        stopped = true;
        await server.stop();
        await db.close();
        rmSync(socketDir, { recursive: true, force: true });
        releaseLock();
      },
    };
  } catch (err) {
    releaseLock();
    throw err;
  }
}

/**
 * Two processes opening the same PGlite directory would corrupt it, so the directory is
 * locked by pid. A lock left by a killed process (its pid is gone) is taken over.
 */
function acquireLock(path: string): () => void {
  try {
    const holder = Number(readFileSync(path, 'utf8'));
    if (holder && holder !== process.pid && isProcessAlive(holder)) {
      throw new Error(
        `The embedded database in ${path.replace(/\/embedded\.lock$/, '')} is in use by process ${holder}. ` +
          'Stop that process, or set DATABASE_URL to use a PostgreSQL server.',
      );
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  writeFileSync(path, String(process.pid));
  return () => rmSync(path, { force: true });
}
