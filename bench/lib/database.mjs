import pg from 'pg';

export const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** The URL of another database on the admin URL's server. */
export function databaseUrl(name) {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  return url.toString();
}

async function asAdmin(sql) {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/**
 * A fresh, empty database for one world; the name says it is the benchmark's and which run
 * made it, so a leftover from an interrupted run is easy to recognise and drop.
 * With `reuse`, the database is named after the world alone and kept: `existing` tells
 * whether it was already there (its content is checked by the caller).
 */
export async function createBenchDatabase(label, { reuse = false } = {}) {
  const name = reuse ? `providers_bench_${label}_reused` : `providers_bench_${label}_${process.pid}`;
  if (!/^[a-z0-9_]+$/.test(name)) throw new Error(`unsafe database name ${name}`);
  const drop = () => asAdmin(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  const existing = reuse && (await databaseExists(name));
  if (!existing) {
    await drop();
    await asAdmin(`CREATE DATABASE ${name}`);
  }
  return { name, url: databaseUrl(name), existing, drop };
}

async function databaseExists(name) {
  return withClient(
    ADMIN_URL,
    async (client) => (await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount > 0,
  );
}

/** Row counts of a world's tables, to tell whether a reused database holds the expected world. */
export async function worldCounts(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query(`
      SELECT (SELECT count(*) FROM accounts)::int AS accounts, (SELECT count(*) FROM users)::int AS users,
             (SELECT count(*) FROM providers)::int AS providers`);
    return rows[0];
  }).catch(() => null);
}

/** Runs `fn` with a client connected to `url`, closing it whatever happens. */
export async function withClient(url, fn) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const WORLD_TABLES = ['accounts', 'users', 'user_profiles', 'providers'];

/**
 * The world's tables that have no planner statistics (never analyzed, by hand or by
 * autovacuum). The import ends with ANALYZE of these tables, so after it there should be
 * none: without statistics the planner guesses the sizes and scans every provider for every
 * request, and a server with autovacuum off (this machine's, for its tests) would never
 * make up for it.
 */
export async function tablesWithoutStatistics(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query(
      `SELECT relname FROM pg_stat_user_tables
        WHERE relname = ANY($1) AND last_analyze IS NULL AND last_autoanalyze IS NULL ORDER BY relname`,
      [WORLD_TABLES],
    );
    return rows.map((r) => r.relname);
  });
}
