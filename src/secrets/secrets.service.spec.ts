import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SecretsService } from './secrets.service.js';
import { SecretAuthenticationError, SecretKeyUnknownError, SecretMalformedError } from './secrets.errors.js';
import { DomainError } from '../common/domain-error.js';

const keyA = randomBytes(32).toString('base64');
const keyB = randomBytes(32).toString('base64');
const apiKey = 'sk-live-9fJ2kQ7wXc4Lm8Zp1Rt6Vb3N';

function service(key: string, previousKey?: string): SecretsService {
  return new SecretsService({ key, previousKey, production: true, dataDir: '/nonexistent' });
}

/** Swaps one base64url character of part `index`, keeping the envelope well-formed. */
function alterPart(envelope: string, index: number): string {
  const parts = envelope.split('.');
  const chars = [...parts[index]];
  chars[1] = chars[1] === 'A' ? 'B' : 'A';
  parts[index] = chars.join('');
  return parts.join('.');
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

function expectNoSecretIn(err: Error): void {
  const text = `${err.message} ${JSON.stringify(err)} ${err.stack}`;
  for (const secret of [apiKey, keyA, keyB, Buffer.from(keyA, 'base64').toString('hex')])
    expect(text).not.toContain(secret);
}

describe('SecretsService', () => {
  const secrets = service(keyA);

  it.each([apiKey, 'é, 漢字 and 🔑', 'x'])('decrypts what it encrypted: %s', (plaintext) => {
    expect(secrets.decrypt(secrets.encrypt(plaintext))).toBe(plaintext);
  });

  it('writes a versioned envelope naming the current key, which never holds the plaintext', () => {
    const envelope = secrets.encrypt(apiKey);
    expect(envelope).toMatch(/^v1\.[A-Za-z0-9_-]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(envelope.split('.')[1]).toBe(secrets.currentKeyId);
    expect(envelope).not.toContain(apiKey);
    expect(Buffer.from(envelope.split('.')[3], 'base64url').toString('utf8')).not.toContain('sk-live');
  });

  it('draws a new IV for every encryption, so equal plaintexts never give equal envelopes', () => {
    const envelopes = Array.from({ length: 200 }, () => secrets.encrypt(apiKey));
    expect(new Set(envelopes.map((e) => e.split('.')[2])).size).toBe(200);
    expect(new Set(envelopes).size).toBe(200);
  });

  it.each([
    ['the key id', 1],
    ['the IV', 2],
    ['the ciphertext', 3],
    ['the tag', 4],
  ])('refuses an envelope with an altered %s', (_part, index) => {
    const envelope = secrets.encrypt(apiKey);
    // An altered key id names no known key, so it is refused before the tag is even checked.
    const expected = index === 1 ? SecretKeyUnknownError : SecretAuthenticationError;
    const err = thrown(() => secrets.decrypt(alterPart(envelope, index)));
    expect(err).toBeInstanceOf(expected);
    expectNoSecretIn(err);
  });

  it('refuses an envelope whose ciphertext comes from another envelope of the same key', () => {
    const [v, id, iv, , tag] = secrets.encrypt(apiKey).split('.');
    const other = secrets.encrypt('sk-other-key-1234567890').split('.')[3];
    const err = thrown(() => secrets.decrypt([v, id, iv, other, tag].join('.')));
    expect(err).toBeInstanceOf(SecretAuthenticationError);
    expect((err as DomainError).code).toBe('secret_authentication_failed');
    expectNoSecretIn(err);
  });

  it('refuses an envelope sealed under another key that claims the current key id', () => {
    const foreign = service(keyB).encrypt(apiKey).split('.');
    foreign[1] = secrets.currentKeyId;
    expect(() => secrets.decrypt(foreign.join('.'))).toThrow(SecretAuthenticationError);
  });

  it('refuses an envelope of an unknown key, naming its key id only', () => {
    const other = service(keyB);
    const err = thrown(() => secrets.decrypt(other.encrypt(apiKey)));
    expect(err).toBeInstanceOf(SecretKeyUnknownError);
    expect(err).toMatchObject({ code: 'secret_key_unknown', status: 500, keyId: other.currentKeyId });
    expect(err.message).toContain(secrets.currentKeyId);
    expectNoSecretIn(err);
  });

  it('reports every truncation of an envelope as malformed, never as a plaintext', () => {
    const envelope = secrets.encrypt(apiKey);
    for (let length = 0; length < envelope.length; length++) {
      const err = thrown(() => secrets.decrypt(envelope.slice(0, length)));
      expect(err).toBeInstanceOf(SecretMalformedError);
      expect((err as DomainError).code).toBe('secret_malformed');
      expectNoSecretIn(err);
    }
  });

  it.each([
    ['a plaintext', apiKey],
    ['an unknown version', 'v2.abcdefgh.AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a part outside base64url', 'v1.abcdefgh.AAAAAAAAAAAAAAAA.AA+A.AAAAAAAAAAAAAAAAAAAAAA'],
    ['a short IV', 'v1.abcdefgh.AAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['an empty key id', 'v1..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA'],
    ['an extra part', `${secrets.encrypt(apiKey)}.AAAA`],
  ])('refuses %s as malformed', (_what, value) => {
    const err = thrown(() => secrets.decrypt(value));
    expect(err).toBeInstanceOf(SecretMalformedError);
    expectNoSecretIn(err);
  });

  describe('rotation', () => {
    it('reads envelopes of SECRETS_KEY_PREVIOUS, and re-encrypts them under the new SECRETS_KEY', () => {
      const plaintexts = ['sk-first-aaaaaaaaaaaa', 'sk-second-bbbbbbbbbbb', 'sk-third-cccccccccccc'];
      const stored = plaintexts.map((k) => service(keyA).encrypt(k));
      const rotating = service(keyB, keyA);
      expect(stored.map((e) => rotating.needsRotation(e))).toEqual([true, true, true]);

      const rotated = stored.map((e) => (rotating.needsRotation(e) ? rotating.encrypt(rotating.decrypt(e)) : e));
      expect(rotated.map((e) => rotating.needsRotation(e))).toEqual([false, false, false]);

      const afterRotation = service(keyB);
      expect(rotated.map((e) => afterRotation.decrypt(e))).toEqual(plaintexts);
      expect(() => afterRotation.decrypt(stored[0])).toThrow(SecretKeyUnknownError);
    });

    it('encrypts under SECRETS_KEY only, never under SECRETS_KEY_PREVIOUS', () => {
      const rotating = service(keyB, keyA);
      expect(rotating.encrypt(apiKey).split('.')[1]).toBe(service(keyB).currentKeyId);
      expect(rotating.currentKeyId).not.toBe(service(keyA).currentKeyId);
    });

    it('refuses to judge a malformed envelope rather than skipping it', () => {
      expect(() => service(keyB, keyA).needsRotation('not-an-envelope')).toThrow(SecretMalformedError);
    });
  });

  it('keeps development envelopes readable after a restart (the same generated key)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'secrets-'));
    try {
      const settings = { production: false, dataDir: dir };
      const envelope = new SecretsService(settings).encrypt(apiKey);
      expect(new SecretsService(settings).decrypt(envelope)).toBe(apiKey);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
