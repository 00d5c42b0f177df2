import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres.js';
import { isProcessAlive } from '../../src/common/process-alive.js';

const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface TestDatabase {
  url: string;
  name: string;
  /** 1 for the embedded fallback (PGlite has a single connection). */
  poolSize: number;
  embedded: boolean;
  drop(): Promise<void>;
}

let warned = false;

/**
 * Names this machine in the databases it makes: a pid is only meaningful on the host that
 * gave it, and other machines (or containers) may share the PostgreSQL server.
 */
const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);

/**
 * A database made for one test file: a uniquely named database on the PostgreSQL server at
 * TEST_DATABASE_URL, dropped afterwards; or, when no server answers, an embedded PGlite in a
 * temporary directory (said once on stderr, since it is not what CI should run on).
 */
export async function createTestDatabase(): Promise<TestDatabase> {
  const name = `providers_test_${HOST_TAG}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (err) {
    if (process.env.CI === 'true' || process.env.REQUIRE_POSTGRES === 'true') throw err;
    if (!warned) {
      warned = true;
      console.warn(`No PostgreSQL at ${ADMIN_URL} (${(err as Error).message}); tests use the embedded database.`);
    }
    return embeddedTestDatabase(name);
  }
  try {
    await dropLeftovers(admin);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    poolSize: 5,
    embedded: false,
    async drop() {
      assertTestDatabaseName(name);
      const c = new pg.Client({ connectionString: ADMIN_URL });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

/** Databases left behind by this machine's test processes that were killed (their pid is gone). */
async function dropLeftovers(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    `SELECT datname FROM pg_database WHERE datname LIKE $1`,
    [`providers\\_test\\_${HOST_TAG}\\_%`],
  );
  for (const { datname } of rows) {
    const pid = Number(datname.split('_')[3]);
    if (pid && !isProcessAlive(pid)) await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => {});
  }
}


async function embeddedTestDatabase(name: string): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'providers-test-'));
  const embedded = await startEmbeddedPostgres(dir);
  return {
    url: embedded.url,
    name,
    poolSize: 1,
    embedded: true,
    async drop() {
      await embedded.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Tests truncate and drop what they are given: refuse anything not named as a test database. */
export function assertTestDatabaseName(name: string): void {
  if (!/(^|_)test(_|$)/.test(name)) {
    throw new Error(`Refusing to use database "${name}" in tests: its name does not mark it as a test database`);
  }
}
