import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseSecretsKey, resolveSecretsKeys } from './secrets-keys.js';
import { SecretsConfigError } from './secrets.errors.js';

const key = randomBytes(32);

function refusal(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a refusal');
}

describe('SECRETS_KEY', () => {
  it.each([
    ['standard base64', key.toString('base64')],
    ['URL-safe base64', key.toString('base64url')],
    ['base64 with a trailing newline', `${key.toString('base64')}\n`],
  ])('accepts 32 bytes in %s', (_what, text) => {
    expect(parseSecretsKey(text, 'SECRETS_KEY').bytes.equals(key)).toBe(true);
  });

  it.each([
    ['16 bytes', randomBytes(16).toString('base64'), /decodes to 16 bytes/],
    ['33 bytes', randomBytes(33).toString('base64'), /decodes to 33 bytes/],
    ['not base64', `${key.toString('base64').slice(0, 40)}!!!=`, /not base64/],
    ['a passphrase', 'correct horse battery staple, quite long really', /not base64/],
    ['one repeated byte', Buffer.alloc(32, 7).toString('base64'), /placeholder/],
  ])('refuses %s, saying what to set and never repeating the value', (_what, text, reason) => {
    const err = refusal(() => parseSecretsKey(text, 'SECRETS_KEY'));
    expect(err).toBeInstanceOf(SecretsConfigError);
    expect(err.message).toMatch(
      /^SECRETS_KEY: expected a random 32-byte key, base64-encoded|^SECRETS_KEY: the key repeats/,
    );
    expect(err.message).toMatch(reason);
    expect(err.message).toContain('openssl rand -base64 32');
    expect(err.message).not.toContain(text.trim());
  });

  it('gives every key its own short id, the same for both alphabets', () => {
    const other = randomBytes(32);
    const id = parseSecretsKey(key.toString('base64'), 'SECRETS_KEY').id;
    expect(id).toMatch(/^[A-Za-z0-9_-]{8}$/);
    expect(parseSecretsKey(key.toString('base64url'), 'SECRETS_KEY').id).toBe(id);
    expect(parseSecretsKey(other.toString('base64'), 'SECRETS_KEY').id).not.toBe(id);
  });

  describe('in production', () => {
    it('refuses to start without SECRETS_KEY, saying what to set', () => {
      const err = refusal(() => resolveSecretsKeys({ production: true, dataDir: '/nonexistent' }));
      expect(err).toBeInstanceOf(SecretsConfigError);
      expect(err.message).toMatch(
        /^SECRETS_KEY: set a random 32-byte key, base64-encoded .*production does not start without it/,
      );
    });

    it('refuses a malformed SECRETS_KEY or SECRETS_KEY_PREVIOUS', () => {
      const good = key.toString('base64');
      expect(() => resolveSecretsKeys({ key: 'short', production: true, dataDir: '/nonexistent' })).toThrow(
        /^SECRETS_KEY: expected/,
      );
      expect(() =>
        resolveSecretsKeys({ key: good, previousKey: 'short', production: true, dataDir: '/nonexistent' }),
      ).toThrow(/^SECRETS_KEY_PREVIOUS: expected/);
    });

    it('uses SECRETS_KEY and SECRETS_KEY_PREVIOUS as given, writing no file', () => {
      const previous = randomBytes(32);
      const keys = resolveSecretsKeys({
        key: key.toString('base64'),
        previousKey: previous.toString('base64'),
        production: true,
        dataDir: '/nonexistent',
      });
      expect(keys.current.bytes.equals(key)).toBe(true);
      expect(keys.previous?.bytes.equals(previous)).toBe(true);
    });
  });

  describe('outside production without SECRETS_KEY', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'secrets-key-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('generates a key once, kept (0600) under DATA_DIR, and reuses it', () => {
      const dataDir = join(dir, 'data');
      const first = resolveSecretsKeys({ production: false, dataDir });
      const file = join(dataDir, 'secrets-key');
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64').equals(first.current.bytes)).toBe(true);
      const second = resolveSecretsKeys({ production: false, dataDir });
      expect(second.current.id).toBe(first.current.id);
      expect(second.current.bytes.equals(first.current.bytes)).toBe(true);
    });

    it('uses SECRETS_KEY when it is set, writing no file', () => {
      const keys = resolveSecretsKeys({ key: key.toString('base64'), production: false, dataDir: dir });
      expect(keys.current.bytes.equals(key)).toBe(true);
      expect(existsSync(join(dir, 'secrets-key'))).toBe(false);
    });

    it('refuses a damaged key file rather than generating a new key over it', () => {
      writeFileSync(join(dir, 'secrets-key'), 'short\n', { mode: 0o600 });
      const err = refusal(() => resolveSecretsKeys({ production: false, dataDir: dir }));
      expect(err).toBeInstanceOf(SecretsConfigError);
      expect(err.message).toMatch(/secrets-key: expected .*Restore the file, or delete it/);
      expect(readFileSync(join(dir, 'secrets-key'), 'utf8')).toBe('short\n');
    });
  });
});
