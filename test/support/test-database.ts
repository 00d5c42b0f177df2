import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
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

export interface MigratedDataSource {
  db: TestDatabase;
  /** Initialized, with every migration run. */
  ds: DataSource;
  /** Destroys the DataSource, then drops the database. */
  close(): Promise<void>;
}

/**
 * A fresh test database (createTestDatabase) with the service's DataSource on it, migrated.
 * `poolSize` defaults to the database's own (1 on the embedded fallback).
 */
export async function migratedDataSource(options: { statementTimeoutMs: number; poolSize?: number }): Promise<MigratedDataSource> {
  const db = await createTestDatabase();
  const ds = new DataSource(
    dataSourceOptions({ url: db.url, poolSize: options.poolSize ?? db.poolSize, statementTimeoutMs: options.statementTimeoutMs }),
  );
  const close = async () => {
    try {
      if (ds.isInitialized) await ds.destroy();
    } finally {
      await db.drop();
    }
  };
  try {
    await ds.initialize();
    await ds.runMigrations();
  } catch (err) {
    await close().catch(() => {});
    throw err;
  }
  return { db, ds, close };
}

/** The tables the service writes, parents first. */
export const WORLD_TABLES = ['accounts', 'users', 'user_profiles', 'providers'] as const;
export type WorldTable = (typeof WORLD_TABLES)[number];
export type TableSnapshot = Record<WorldTable, Record<string, unknown>[]>;

/**
 * Every row of every table the service writes, in id order, read through `rows` (a query on
 * whichever connection the caller chooses, returning the rows).
 */
export async function snapshotTables(rows: (sql: string) => Promise<Record<string, unknown>[]>): Promise<TableSnapshot> {
  const out = {} as TableSnapshot;
  for (const table of WORLD_TABLES) out[table] = await rows(`SELECT * FROM ${table} ORDER BY id`);
  return out;
}

/**
 * Empties every table the service writes and restarts their ids, through `on` (a DataSource,
 * an EntityManager inside a transaction, a pg client); refused unless `db` is a test database.
 */
export async function emptyTables(on: { query(sql: string): Promise<unknown> }, db: Pick<TestDatabase, 'name'>): Promise<void> {
  assertTestDatabaseName(db.name);
  await on.query(`TRUNCATE ${[...WORLD_TABLES].reverse().join(', ')} RESTART IDENTITY CASCADE`);
}
