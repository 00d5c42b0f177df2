import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { rotateApiKeys } from '../src/providers/management/api-key-rotation.js';
import { SecretsService } from '../src/secrets/secrets.service.js';
import { COMPILED_MAIN, compileService, ROOT } from './support/compiled.js';
import { Factories } from './support/factories.js';
import { migratedDataSource, type MigratedDataSource } from './support/test-database.js';

const run = promisify(execFile);
const ROTATE_CLI = join(dirname(COMPILED_MAIN), 'providers', 'management', 'rotate-secrets.cli.js');

const key = (seed: string) => Buffer.from(seed.padEnd(32, '!').slice(0, 32)).toString('base64');
const OLD_KEY = key('the old secrets key of 32 bytes');
const NEW_KEY = key('the new secrets key, 32 bytes..');
const service = (current: string, previous?: string) =>
  new SecretsService({ key: current, previousKey: previous, production: false, dataDir: '/nonexistent' });

describe('secrets:rotate: every API key re-encrypted under the new SECRETS_KEY (PostgreSQL)', () => {
  let m: MigratedDataSource;
  const plaintexts = new Map<number, string>();

  beforeAll(async () => {
    [m] = await Promise.all([migratedDataSource({ statementTimeoutMs: 10_000 }), compileService()]);
    const f = new Factories(m.ds);
    const profile = await f.profile(await f.user({ username: 'keeper' }), await f.account());
    const old = service(OLD_KEY);
    for (let i = 0; i < 7; i++) {
      const id = await f.provider(profile, { name: `p${i}` });
      const plaintext = `sk-live-${i}-${'x'.repeat(20)}`;
      plaintexts.set(id, plaintext);
      await m.ds.query(`UPDATE providers SET api_key_ciphertext = $2 WHERE id = $1`, [id, old.encrypt(plaintext)]);
    }
    await f.provider(profile, { name: 'no key' });
  }, 120_000);
  afterAll(() => m?.close());

  const stored = async () =>
    new Map<number, string>(
      (await m.ds.query(`SELECT id, api_key_ciphertext FROM providers WHERE api_key_ciphertext IS NOT NULL`)).map(
        (r: { id: number; api_key_ciphertext: string }) => [r.id, r.api_key_ciphertext],
      ),
    );

  it('rotates in batches; afterwards the new key alone opens every value, and no value is plaintext', async () => {
    const rotating = service(NEW_KEY, OLD_KEY);
    const versions = await m.ds.query(`SELECT id, row_version FROM providers ORDER BY id`);
    const batches: number[] = [];
    const summary = await rotateApiKeys(m.ds, rotating, { batchSize: 3, onBatch: (s) => batches.push(s.examined) });
    expect(summary).toEqual({ examined: 7, rotated: 7, unreadable: [] });
    expect(batches).toEqual([3, 6, 7]);

    const newOnly = service(NEW_KEY);
    for (const [id, envelope] of await stored()) {
      expect(newOnly.needsRotation(envelope)).toBe(false);
      expect(newOnly.decrypt(envelope)).toBe(plaintexts.get(id));
      expect(envelope).not.toContain(plaintexts.get(id));
    }
    expect(await m.ds.query(`SELECT id, row_version FROM providers ORDER BY id`)).toEqual(versions);
    expect(await rotateApiKeys(m.ds, rotating)).toEqual({ examined: 7, rotated: 0, unreadable: [] });
  });

  it('the CLI rotates back, and reports (exit 1) a value neither key opens, leaving it as it was', async () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts;
    expect(scripts['secrets:rotate']).toMatch(/node dist\/src\/providers\/management\/rotate-secrets\.cli\.js$/);
    const env = (current: string, previous: string) => ({
      PATH: process.env.PATH,
      NODE_ENV: 'test',
      DATABASE_URL: m.db.url,
      LOG_LEVEL: 'error',
      SECRETS_KEY: current,
      SECRETS_KEY_PREVIOUS: previous,
    });
    const back = await run(process.execPath, [ROTATE_CLI], { cwd: ROOT, env: env(OLD_KEY, NEW_KEY) });
    expect(back.stdout).toContain('7 of 7 API keys re-encrypted');
    const oldOnly = service(OLD_KEY);
    for (const [id, envelope] of await stored()) expect(oldOnly.decrypt(envelope)).toBe(plaintexts.get(id));

    const [first] = [...(await stored()).keys()];
    const stranger = service(key('a key nobody configured here....'));
    const foreign = stranger.encrypt('sk-foreign-value-0000');
    await m.ds.query(`UPDATE providers SET api_key_ciphertext = $2 WHERE id = $1`, [first, foreign]);
    const failed = await run(process.execPath, [ROTATE_CLI], { cwd: ROOT, env: env(NEW_KEY, OLD_KEY) }).then(
      () => undefined,
      (err: { code: number; stdout: string }) => err,
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stdout).toContain(`6 of 7 API keys re-encrypted`);
    expect(failed?.stdout).toContain(`providers ${first}`);
    expect((await stored()).get(first)).toBe(foreign);
  });
});
