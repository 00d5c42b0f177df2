import { ConfigError, loadConfig } from './app-config.js';
import { configWarnings } from './production-checks.js';

const STRONG = 'Zq4v1mX8pT2rW9yB6nK3sD7fH0jL5cA8eG2uR4tY6iO9pM1';
const STRONG_SECRETS_KEY = 'q8Jm3vT0xYc5LrN2wE7hK1pS9dF4gB6aZ0uI3oV8tM4=';
const production = {
  NODE_ENV: 'production',
  DATABASE_URL: 'postgres://db/x',
  JWT_SECRET: STRONG,
  SECRETS_KEY: STRONG_SECRETS_KEY,
};

const problemsOf = (env: Record<string, string>): string[] => {
  try {
    loadConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
};

describe('production configuration', () => {
  it('starts with the defaults: Secure cookies, no warning', () => {
    const config = loadConfig(production);
    expect(config.cookieSecure).toBe(true);
    expect(configWarnings(config)).toEqual([]);
  });

  it.each([
    ['a default JWT secret', { JWT_SECRET: 'changeme-changeme-changeme-changeme' }, /^JWT_SECRET: set a random secret/],
    ['a short JWT secret', { JWT_SECRET: 'too-short' }, /^JWT_SECRET: set a random secret/],
    ['CORS_ORIGINS=*', { CORS_ORIGINS: '*' }, /^CORS_ORIGINS: `\*` cannot be combined with credentials/],
    ['`*` among other origins', { CORS_ORIGINS: 'https://a.example.test, *' }, /^CORS_ORIGINS: `\*`/],
    [
      'COOKIE_SECURE=false alone',
      { COOKIE_SECURE: 'false' },
      /^COOKIE_SECURE=false in production: also set ALLOW_INSECURE_COOKIES=true/,
    ],
    [
      'COOKIE_SECURE=false with ALLOW_INSECURE_COOKIES=false',
      { COOKIE_SECURE: 'false', ALLOW_INSECURE_COOKIES: 'false' },
      /^COOKIE_SECURE=false/,
    ],
    ['a missing SECRETS_KEY', { SECRETS_KEY: '' }, /^SECRETS_KEY: set a random 32-byte key/],
    [
      'a SECRETS_KEY of the wrong size',
      { SECRETS_KEY: 'c2hvcnQ=' },
      /^SECRETS_KEY: expected .* but it decodes to 5 bytes/,
    ],
    [
      'a placeholder SECRETS_KEY',
      { SECRETS_KEY: Buffer.alloc(32).toString('base64') },
      /^SECRETS_KEY: the key repeats one byte/,
    ],
  ])('refuses %s, saying what to set', (_what, env, message) => {
    const problems = problemsOf({ ...production, ...env });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(message);
  });

  it('lists every problem at once', () => {
    expect(problemsOf({ ...production, JWT_SECRET: 'x', CORS_ORIGINS: '*', COOKIE_SECURE: '0' })).toHaveLength(3);
  });

  it('allows COOKIE_SECURE=false with ALLOW_INSECURE_COOKIES=true, and warns (plain HTTP on localhost)', () => {
    const config = loadConfig({ ...production, COOKIE_SECURE: 'false', ALLOW_INSECURE_COOKIES: 'true' });
    expect(config.cookieSecure).toBe(false);
    const warnings = configWarnings(config);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(
      /COOKIE_SECURE=false with ALLOW_INSECURE_COOKIES=true: session cookies are sent over plain HTTP/,
    );
  });

  it('checks the formats of the keys and of EGRESS_ALLOW_HOSTS in every environment', () => {
    const problems = problemsOf({
      NODE_ENV: 'development',
      SECRETS_KEY_PREVIOUS: 'my old key, not base64',
      EGRESS_ALLOW_HOSTS: 'api.example.test, http://x',
    });
    expect(problems).toEqual([
      expect.stringMatching(/^SECRETS_KEY_PREVIOUS: expected .* but it is not base64/),
      expect.stringMatching(/^EGRESS_ALLOW_HOSTS: "http:\/\/x" is not a host or host:port/),
    ]);
    expect(problems.join('\n')).not.toContain('my old key');
  });

  it('outside production none of this applies', () => {
    const config = loadConfig({ NODE_ENV: 'development', COOKIE_SECURE: 'false', CORS_ORIGINS: '*' });
    expect(configWarnings(config)).toEqual([]);
  });
});

describe('timeouts', () => {
  it('bound requests and shutdown by default', () => {
    const config = loadConfig({ NODE_ENV: 'test' });
    expect(config.DB_STATEMENT_TIMEOUT_MS).toBe(5000);
    expect(config.REQUEST_TIMEOUT_MS).toBe(10_000);
    expect(config.SHUTDOWN_TIMEOUT_MS).toBe(10_000);
  });

  it.each([
    ['REQUEST_TIMEOUT_MS', '0'],
    ['REQUEST_TIMEOUT_MS', 'soon'],
    ['REQUEST_TIMEOUT_MS', String(2 ** 31)],
    ['SHUTDOWN_TIMEOUT_MS', '-1'],
    ['DB_STATEMENT_TIMEOUT_MS', '10'],
  ])('refuse %s=%s', (name, value) => {
    expect(problemsOf({ NODE_ENV: 'test', [name]: value })[0]).toMatch(new RegExp(`^${name}: `));
  });
});
