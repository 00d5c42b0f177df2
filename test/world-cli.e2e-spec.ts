import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { generateWorld } from '../src/world/world-generator.js';
import { COMPILED_GENERATE_CLI, COMPILED_IMPORT_CLI, compileService, ROOT } from './support/compiled.js';
import { createTestDatabase, snapshotTables, type TableSnapshot, type TestDatabase } from './support/test-database.js';

const run = promisify(execFile);

const IMPORT_CLI = COMPILED_IMPORT_CLI;
const GENERATE_CLI = COMPILED_GENERATE_CLI;

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('world CLIs (child processes)', () => {
  let db: TestDatabase;
  let dir: string;

  beforeAll(async () => {
    // Empty: world:import runs the migrations itself.
    [db] = await Promise.all([createTestDatabase({ migrated: false }), compileService()]);
    dir = mkdtempSync(join(tmpdir(), 'world-cli-'));
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function cli(script: string, args: string[]): Promise<CliResult> {
    const env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      LOG_LEVEL: 'error',
    };
    return run(process.execPath, [script, ...args], { cwd: ROOT, env, maxBuffer: 64 * 1024 * 1024 }).then(
      ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
      (err: { code: number; stdout: string; stderr: string }) => ({
        code: err.code,
        stdout: err.stdout,
        stderr: err.stderr,
      }),
    );
  }

  /** Every row of every table, through a connection of its own (the embedded fallback allows one). */
  async function tables(): Promise<TableSnapshot> {
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    try {
      return await snapshotTables(async (sql) => (await client.query(sql)).rows);
    } finally {
      await client.end();
    }
  }

  const options = { seed: 9, accounts: 5, users: 16, providers: 60 };
  const args = ['--seed', '9', '--accounts', '5', '--users', '16', '--providers', '60'];

  it('the npm scripts run the compiled CLIs that this test runs', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts['world:import']).toMatch(/node dist\/src\/world\/import\.cli\.js$/);
    expect(scripts['world:generate']).toMatch(/node dist\/src\/world\/generate\.cli\.js$/);
  });

  it("world:generate writes the generator's world, to stdout or to --out", async () => {
    const expected = `${JSON.stringify(generateWorld(options))}\n`;
    const toStdout = await cli(GENERATE_CLI, args);
    expect(toStdout).toMatchObject({ code: 0, stdout: expected });
    const file = join(dir, 'world.json');
    await expect(cli(GENERATE_CLI, [...args, '--out', file])).resolves.toMatchObject({ code: 0, stdout: '' });
    expect(readFileSync(file, 'utf8')).toBe(expected);
  });

  it('world:generate refuses bad arguments with the usage', async () => {
    const result = await cli(GENERATE_CLI, ['--users', 'many']);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toContain('--users must be a whole number');
    expect(result.stderr).toContain('Usage:');
  });

  it('world:import migrates, imports and prints a summary; a second run changes nothing', async () => {
    const file = join(dir, 'world.json');
    writeFileSync(file, JSON.stringify(generateWorld(options)));
    const first = await cli(IMPORT_CLI, [file]);
    expect(first.stderr).not.toMatch(/failed|rejected/i);
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/providers\s+60 created, 0 updated, 0 unchanged/);
    expect(first.stdout).toMatch(/\d+\.\d s/);
    const after = await tables();
    expect(after.users).toHaveLength(16);
    expect(after.providers).toHaveLength(60);

    const second = await cli(IMPORT_CLI, [file]);
    expect(second.code).toBe(0);
    expect(second.stdout).toMatch(/users\s+0 created, 0 updated, 16 unchanged/);
    expect(await tables()).toEqual(after);

    // The same file as a Windows editor may save it, with a byte-order mark first.
    const withBom = join(dir, 'world-bom.json');
    writeFileSync(withBom, `\uFEFF${JSON.stringify(generateWorld(options))}`);
    const third = await cli(IMPORT_CLI, [withBom]);
    expect(third.stderr).not.toMatch(/not valid JSON/);
    expect(third.code).toBe(0);
    expect(third.stdout).toMatch(/users\s+0 created, 0 updated, 16 unchanged/);
  });

  describe('bad files: non-zero exit, a message on stderr, nothing written', () => {
    async function expectRefused(args: string[], message: RegExp): Promise<void> {
      const before = await tables();
      const result = await cli(IMPORT_CLI, args);
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(message);
      expect(await tables()).toEqual(before);
    }

    it('invalid JSON, with where it goes wrong', async () => {
      const file = join(dir, 'broken.json');
      writeFileSync(file, '{\n  "version": 1,\n  "accounts": [,]\n}\n');
      await expectRefused([file], /broken\.json is not valid JSON at line 3, column \d+/);
    });

    it('a schema violation, with its JSON path', async () => {
      const world = generateWorld(options) as unknown as { providers: { owner: Record<string, unknown> }[] };
      world.providers[12].owner.accountNumber = null;
      const file = join(dir, 'schema.json');
      writeFileSync(file, JSON.stringify(world));
      await expectRefused([file], /providers\[12\]\.owner\.accountNumber: must be a string/);
    });

    it('a base URL with credentials, among other problems', async () => {
      const world = generateWorld(options);
      world.providers[3].baseUrl = 'https://user:secret@api.example.test/v1';
      world.providers[4].owner = { username: 'nobody', accountNumber: world.accounts[1].accountNumber };
      const file = join(dir, 'several.json');
      writeFileSync(file, JSON.stringify(world));
      await expectRefused(
        [file],
        /rejected \(2 problems\)[\s\S]*providers\[3\]\.baseUrl: must not contain credentials[\s\S]*providers\[4\]\.owner\.username: unknown user/,
      );
    });

    it('a file that does not exist, and no file at all', async () => {
      await expectRefused([join(dir, 'missing.json')], /missing\.json: no such file/);
      await expectRefused([], /Usage: npm run world:import -- <world\.json>/);
    });
  });
});
