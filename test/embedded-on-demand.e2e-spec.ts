import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startService } from './support/service-process.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

/**
 * A module hook, given to the built service through NODE_OPTIONS, that fails any import of
 * PGlite's packages: a service that starts with it never loaded them.
 */
const HOOKS = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@electric-sql/')) throw new Error('PGlite was loaded: ' + specifier);
  return next(specifier, context);
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;
const NO_PGLITE = { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(REGISTER)}` };

describe('the embedded database is loaded only without DATABASE_URL (the built service)', () => {
  let db: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'providers-no-pglite-'));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('with DATABASE_URL, starts and is ready without ever importing PGlite', async () => {
    const service = await startService({ ...NO_PGLITE, NODE_ENV: 'test', DATABASE_URL: db.url, DATA_DIR: dataDir });
    try {
      expect((await fetch(`${service.base}/readyz`)).status).toBe(200);
      expect(service.output()).not.toMatch(/PGlite/);
    } finally {
      await service.kill();
    }
  }, 60_000);

  it('without it, imports PGlite (so the hook above would have seen an import)', async () => {
    await expect(startService({ ...NO_PGLITE, NODE_ENV: 'test', DATA_DIR: dataDir })).rejects.toThrow(
      /PGlite was loaded: @electric-sql\/pglite/,
    );
  }, 60_000);
});
