import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../../src/database/data-source-options.js';
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

/** Set by jest's globalSetup (global-setup.ts), which names the run's databases. */
function runVariable(name: 'PROVIDERS_TEST_HOST_TAG' | 'PROVIDERS_TEST_TEMPLATE'): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the tests with jest.config.js (its globalSetup sets it)`);
  return value;
}

/**
 * The run's template, migrated once by the first test file that needs it, for every file to
 * clone (cloning is cheaper than migrating; files run the migrations only where they test them).
 * A session lock keeps the other files (in other workers) waiting meanwhile. It is migrated under
 * another name and renamed when done, so a file killed halfway leaves no template that looks
 * ready. jest's globalTeardown drops it; a killed run's is reaped like any leftover.
 */
async function ensureTemplate(admin: pg.Client): Promise<string> {
  const template = runVariable('PROVIDERS_TEST_TEMPLATE');
  assertTestDatabaseName(template);
  await admin.query(`SELECT pg_advisory_lock(hashtext($1))`, [template]);
  try {
    const { rowCount } = await admin.query(`SELECT 1 FROM pg_database WHERE datname = $1`, [template]);
    if (rowCount) return template;
    const building = `${template}_building`;
    await admin.query(`DROP DATABASE IF EXISTS ${building} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${building}`);
    const ds = new DataSource(
      dataSourceOptions({ url: databaseUrl(building), poolSize: 1, statementTimeoutMs: 60_000 }),
    );
    try {
      await ds.initialize();
      await ds.runMigrations();
    } finally {
      // Also what lets it be renamed and cloned: neither is allowed while anyone is connected.
      if (ds.isInitialized) await ds.destroy();
    }
    await admin.query(`ALTER DATABASE ${building} RENAME TO ${template}`);
    return template;
  } finally {
    await admin.query(`SELECT pg_advisory_unlock(hashtext($1))`, [template]);
  }
}

/**
 * A database made for one test file, dropped afterwards: on the PostgreSQL server at
 * TEST_DATABASE_URL, a uniquely named clone of the run's migrated template (ensureTemplate), or
 * with `{ migrated: false }` an empty one, for the tests of what runs the migrations (the import
 * CLI). When no server answers: an embedded PGlite in a temporary directory, not migrated (said
 * once on stderr, since it is not what CI should run on).
 */
export async function createTestDatabase({ migrated = true }: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const hostTag = runVariable('PROVIDERS_TEST_HOST_TAG');
  const name = `providers_test_${hostTag}_${process.pid}_${randomBytes(4).toString('hex')}`;
  const admin = await connectAdmin();
  if (!admin) return embeddedTestDatabase(name);
  try {
    await dropLeftovers(admin, hostTag);
    const template = migrated ? ` TEMPLATE ${await ensureTemplate(admin)}` : '';
    await admin.query(`CREATE DATABASE ${name}${template}`);
  } finally {
    await admin.end();
  }
  return { url: databaseUrl(name), name, poolSize: 5, embedded: false, drop: () => dropDatabase(name) };
}

/** A connection to the server's maintenance database, or null when no server answers (and that is allowed). */
async function connectAdmin(): Promise<pg.Client | null> {
  const admin = new pg.Client({ connectionString: ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
    return admin;
  } catch (err) {
    if (process.env.CI === 'true' || process.env.REQUIRE_POSTGRES === 'true') throw err;
    if (!warned) {
      warned = true;
      console.warn(`No PostgreSQL at ${ADMIN_URL} (${(err as Error).message}); tests use the embedded database.`);
    }
    return null;
  }
}

function databaseUrl(name: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function dropDatabase(name: string): Promise<void> {
  assertTestDatabaseName(name);
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** Databases left behind by this machine's test processes that were killed (their pid is gone). */
async function dropLeftovers(admin: pg.Client, hostTag: string): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE $1`, [
    `providers\\_test\\_${hostTag}\\_%`,
  ]);
  for (const { datname } of rows) {
    const pid = Number(datname.split('_')[3]);
    if (pid && !isProcessAlive(pid))
      await admin.query(`DROP DATABASE IF EXISTS ${datname} WITH (FORCE)`).catch(() => {});
  }
}

async function embeddedTestDatabase(name: string): Promise<TestDatabase> {
  const dir = mkdtempSync(join(tmpdir(), 'providers-test-'));
  // Loaded only for the fallback, as the service loads it only without DATABASE_URL.
  const { startEmbeddedPostgres } = await import('../../src/database/embedded-postgres.js');
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
 * A fresh test database (createTestDatabase) with the service's DataSource on it, migrated
 * (a no-op on a clone of the template; the embedded fallback is migrated here).
 * `poolSize` defaults to the database's own (1 on the embedded fallback).
 */
export async function migratedDataSource(options: {
  statementTimeoutMs: number;
  poolSize?: number;
}): Promise<MigratedDataSource> {
  const db = await createTestDatabase();
  const ds = new DataSource(
    dataSourceOptions({
      url: db.url,
      poolSize: options.poolSize ?? db.poolSize,
      statementTimeoutMs: options.statementTimeoutMs,
    }),
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
export async function snapshotTables(
  rows: (sql: string) => Promise<Record<string, unknown>[]>,
): Promise<TableSnapshot> {
  const out = {} as TableSnapshot;
  for (const table of WORLD_TABLES) out[table] = await rows(`SELECT * FROM ${table} ORDER BY id`);
  return out;
}

/**
 * Empties every table the service writes and restarts their ids, through `on` (a DataSource,
 * an EntityManager inside a transaction, a pg client); refused unless `db` is a test database.
 */
export async function emptyTables(
  on: { query(sql: string): Promise<unknown> },
  db: Pick<TestDatabase, 'name'>,
): Promise<void> {
  assertTestDatabaseName(db.name);
  await on.query(`TRUNCATE ${[...WORLD_TABLES].reverse().join(', ')} RESTART IDENTITY CASCADE`);
}

/**
 * Every SQL statement the data source sends from now on, in order (through its TypeORM logger,
 * which still logs as before): for tests that count a request's round trips.
 */
export function recordStatements(ds: DataSource): string[] {
  const statements: string[] = [];
  const logger = ds.logger;
  const logQuery = logger.logQuery.bind(logger);
  logger.logQuery = (query, parameters, queryRunner) => {
    statements.push(query);
    logQuery(query, parameters, queryRunner);
  };
  return statements;
}
