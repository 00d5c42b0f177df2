import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { resolveJwtSecret } from './jwt-secret.js';

describe('JWT secret', () => {
  const strong = 'Zq4v1mX8pT2rW9yB6nK3sD7fH0jL5cA8eG2uR4tY6iO9pM1';
  const production = {
    NODE_ENV: 'production',
    DATABASE_URL: 'postgres://db/x',
    COOKIE_SECURE: 'true',
    SECRETS_KEY: 'q8Jm3vT0xYc5LrN2wE7hK1pS9dF4gB6aZ0uI3oV8tM4=',
  };

  it.each([
    ['missing', {}],
    ['shorter than 32 bytes', { JWT_SECRET: 'short-secret' }],
    ['a well-known placeholder', { JWT_SECRET: 'changeme-changeme-changeme-changeme-changeme' }],
  ])('production refuses to start with a JWT_SECRET %s', (_what, env) => {
    expect(() => loadConfig({ ...production, ...env })).toThrow(ConfigError);
    expect(() => loadConfig({ ...production, ...env })).toThrow(/JWT_SECRET: set a random secret of at least 32 bytes/);
  });

  it('production starts with a strong secret, and uses it as is', () => {
    const config = loadConfig({ ...production, JWT_SECRET: strong });
    expect(resolveJwtSecret(config)).toBe(strong);
  });

  describe('in development without JWT_SECRET', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'jwt-secret-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('generates a secret once, kept (0600) under DATA_DIR so that tokens survive a restart', () => {
      const config = loadConfig({ NODE_ENV: 'development', DATA_DIR: join(dir, 'data') });
      const first = resolveJwtSecret(config);
      expect(Buffer.byteLength(first)).toBeGreaterThanOrEqual(32);
      const file = join(dir, 'data', 'jwt-secret');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').trim()).toBe(first);
      expect(resolveJwtSecret(config)).toBe(first);
    });

    it('refuses a truncated secret file rather than signing with it', () => {
      writeFileSync(join(dir, 'jwt-secret'), 'short\n');
      expect(() => resolveJwtSecret(loadConfig({ NODE_ENV: 'development', DATA_DIR: dir }))).toThrow(/delete it/);
    });
  });
});
