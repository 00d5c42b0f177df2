import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { generateWorld } from '../src/world/world-generator.js';
import type { WorldFile } from '../src/world/world.types.js';
import { COMPILED_IMPORT_CLI, compileService, ROOT } from './support/compiled.js';
import { createTestDatabase, snapshotTables, type TableSnapshot, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait.js';

const run = promisify(execFile);

/**
 * The import is one transaction: a process killed in the middle of writing (SIGKILL, the OOM
 * killer, a pulled plug) leaves the database exactly as it was.
 */
describe('world import killed while it writes (child process, SIGKILL)', () => {
  let db: TestDatabase;
  let dir: string;
  let admin: pg.Client;

  beforeAll(async () => {
    [db] = await Promise.all([createTestDatabase(), compileService()]);
    if (db.embedded) throw new Error('this test needs a PostgreSQL server (it watches pg_stat_activity)');
    dir = mkdtempSync(join(tmpdir(), 'world-crash-'));
    admin = new pg.Client({ connectionString: db.url });
    await admin.connect();
  }, 120_000);
  afterAll(async () => {
    await admin?.end();
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const env = () => ({
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    NODE_ENV: 'test',
    DATABASE_URL: db.url,
    LOG_LEVEL: 'error',
  });

  function writeWorld(name: string, world: WorldFile): string {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(world));
    return file;
  }

  /** Every row of every table the import writes, by id, through the admin session. */
  const tables = (): Promise<TableSnapshot> => snapshotTables(async (sql) => (await admin.query(sql)).rows);

  it('leaves every table exactly as the last complete import left it', async () => {
    const worldA = generateWorld({ seed: 21, accounts: 4, users: 8, providers: 40, platformProviders: 4 });
    await run(process.execPath, [COMPILED_IMPORT_CLI, writeWorld('a.json', worldA)], { cwd: ROOT, env: env() });
    const afterA = await tables();
    expect(afterA.providers).toHaveLength(40);

    // B changes some of A and adds much more: any part of it in the database would show.
    const worldB: WorldFile = structuredClone(worldA);
    worldB.accounts[1].name = 'Renamed by B';
    worldB.providers.forEach((p, i) => (p.description = `changed by B ${i}`));
    for (let a = 0; a < 3; a++) {
      const accountNumber = `7777-0000-000${a}`;
      const username = `b.user${a}`;
      worldB.accounts.push({ accountNumber, name: `B account ${a}` });
      worldB.users.push({
        username,
        email: `${username}@b.test`,
        password: `pw-${username}`,
        accounts: [accountNumber],
      });
      for (let i = 0; i < 1000; i++) {
        worldB.providers.push({
          name: `b-provider-${a}-${i}`,
          baseUrl: 'https://b.example.test/v1',
          owner: { username, accountNumber },
        });
      }
    }

    // Another session holds a lock that lets the import write accounts, users and profiles but
    // stops it at its providers: the kill lands in the middle of the transaction, every time.
    const locker = new pg.Client({ connectionString: db.url });
    await locker.connect();
    await locker.query('BEGIN');
    await locker.query('LOCK TABLE providers IN SHARE MODE');

    const cli = spawn(process.execPath, [COMPILED_IMPORT_CLI, writeWorld('b.json', worldB)], {
      cwd: ROOT,
      env: env(),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    cli.stdout.on('data', (d) => (output += d));
    cli.stderr.on('data', (d) => (output += d));
    const exited = new Promise<NodeJS.Signals | null>((resolve) => cli.on('exit', (_code, signal) => resolve(signal)));

    const { value: backend } = await waitFor(
      async () => {
        // The import's connection, waiting for the lock, having already written to the other tables.
        const { rows } = await admin.query<{ pid: number; written: string[] }>(
          `SELECT a.pid, array_agg(DISTINCT c.relname::text) AS written
             FROM pg_stat_activity a
             JOIN pg_locks l ON l.pid = a.pid AND l.granted AND l.mode = 'RowExclusiveLock'
             JOIN pg_class c ON c.oid = l.relation
            WHERE a.datname = current_database() AND a.application_name = 'providers-service-world-import'
              AND a.wait_event_type = 'Lock' AND a.xact_start IS NOT NULL
            GROUP BY a.pid`,
        );
        const writing = rows.find((r) => ['accounts', 'users', 'user_profiles'].every((t) => r.written.includes(t)));
        if (!writing && cli.exitCode !== null)
          throw new Error(`the import exited before reaching its providers:\n${output}`);
        return writing?.pid;
      },
      (pid) => pid !== undefined,
      { timeoutMs: 30_000, intervalMs: 20, what: 'the import reaching its providers', details: () => output },
    );
    expect(output).toMatch(/Writing accounts, users, profiles and providers/);

    cli.kill('SIGKILL');
    await expect(exited).resolves.toBe('SIGKILL');
    await locker.query('COMMIT');
    await locker.end();
    // PostgreSQL finds the client gone when it next talks to it, and rolls the transaction back.
    await waitFor(
      async () => (await admin.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [backend])).rowCount,
      (rows) => rows === 0,
      { timeoutMs: 10_000, intervalMs: 20, what: 'the killed import’s transaction ended' },
    );

    expect(await tables()).toEqual(afterA);

    // Nothing is left locked or half-done: the same import, run to the end, applies all of B.
    const { stdout } = await run(process.execPath, [COMPILED_IMPORT_CLI, join(dir, 'b.json')], {
      cwd: ROOT,
      env: env(),
    });
    expect(stdout).toMatch(/providers\s+3000 created, 40 updated, 0 unchanged/);
  }, 90_000);
});
