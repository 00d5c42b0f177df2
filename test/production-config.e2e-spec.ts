import { execFile } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { COMPILED_MAIN, compileService, ROOT } from './support/compiled.js';
import { startService } from './support/service-process.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const run = promisify(execFile);
const STRONG = 'Zq4v1mX8pT2rW9yB6nK3sD7fH0jL5cA8eG2uR4tY6iO9pM1';
const STRONG_SECRETS_KEY = 'q8Jm3vT0xYc5LrN2wE7hK1pS9dF4gB6aZ0uI3oV8tM4=';

/**
 * The built service in production mode refuses unsafe settings before it opens anything,
 * with a message that says what to set (the rules themselves: src/config/app-config.spec.ts).
 */
describe('production start-up (the built service)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    [db] = await Promise.all([createTestDatabase(), compileService()]);
  }, 120_000);
  afterAll(async () => {
    await db?.drop();
  });

  const start = (env: Record<string, string>) =>
    run(process.execPath, [COMPILED_MAIN], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        NODE_ENV: 'production',
        DATABASE_URL: db.url,
        PORT: '0',
        JWT_SECRET: STRONG,
        SECRETS_KEY: STRONG_SECRETS_KEY,
        ...env,
      },
      timeout: 30_000,
    }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );

  it('refuses the default JWT secret, CORS_ORIGINS=* and COOKIE_SECURE=false alone: exit 1, the reason on stderr', async () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ JWT_SECRET: 'changeme' }, /JWT_SECRET: set a random secret of at least 32 bytes/],
      [{ CORS_ORIGINS: '*' }, /CORS_ORIGINS: `\*` cannot be combined with credentials/],
      [{ COOKIE_SECURE: 'false' }, /COOKIE_SECURE=false in production: also set ALLOW_INSECURE_COOKIES=true/],
      [{ SECRETS_KEY: '' }, /SECRETS_KEY: set a random 32-byte key/],
      [{ SECRETS_KEY: 'c2hvcnQ=' }, /SECRETS_KEY: expected a random 32-byte key, base64-encoded .*decodes to 5 bytes/],
    ];
    // At once: each start-up spends its time loading modules before it reads the settings.
    const results = await Promise.all(cases.map(([env]) => start(env)));
    results.forEach((result, i) => {
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^Invalid configuration:/);
      expect(result.stderr).toMatch(cases[i][1]);
    });
  });

  it('a port already in use: exit 1 with one line that says so, no stack trace', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const result = await start({ HOST: '127.0.0.1', PORT: String(port), NO_COLOR: '1' });
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(
        new RegExp(`Cannot listen on 127\\.0\\.0\\.1:${port}: the port is already in use; set PORT`),
      );
      expect(result.stderr).not.toMatch(/\n\s+at /);
    } finally {
      taken.close();
    }
  });

  it('starts with COOKIE_SECURE=false and ALLOW_INSECURE_COOKIES=true, saying so in a warning', async () => {
    const service = await startService({
      NODE_ENV: 'production',
      DATABASE_URL: db.url,
      JWT_SECRET: STRONG,
      COOKIE_SECURE: 'false',
      ALLOW_INSECURE_COOKIES: 'true',
    });
    try {
      // Production logs are JSON lines (docs/operations.md): the warning is one of them.
      expect(service.output()).toMatch(
        /"level":"warn","message":"COOKIE_SECURE=false with ALLOW_INSECURE_COOKIES=true: session cookies are sent over plain HTTP[^"]*","context":"Bootstrap"/,
      );
      const res = await fetch(`${service.base}/healthz`);
      expect(res.headers.get('strict-transport-security')).toBeNull();
    } finally {
      service.child.kill('SIGTERM');
      await service.exited;
    }
  }, 60_000);
});
