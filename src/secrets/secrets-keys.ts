import { Logger } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { keptSecretFile } from './kept-secret-file.js';
import { SecretsConfigError } from './secrets.errors.js';

/** The plain settings the secrets module is built from (the lead maps AppConfig onto these). */
export interface SecretsSettings {
  /** SECRETS_KEY: 32 random bytes, base64 (standard or URL-safe alphabet). */
  key?: string;
  /** SECRETS_KEY_PREVIOUS: the key being rotated away from, still accepted for decryption. */
  previousKey?: string;
  production: boolean;
  /** Where the development key is kept when SECRETS_KEY is unset outside production. */
  dataDir: string;
}

export interface SecretsKey {
  /** Short public name of the key, written into every envelope it seals. */
  readonly id: string;
  readonly bytes: Buffer;
}

export interface SecretsKeyring {
  readonly current: SecretsKey;
  readonly previous?: SecretsKey;
}

export const SECRETS_KEY_BYTES = 32;
const HOW_TO_MAKE_ONE = 'a random 32-byte key, base64-encoded (e.g. the output of `openssl rand -base64 32`)';
// Node's base64 decoder reads both alphabets; it also skips stray characters, hence the check first.
const BASE64 = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * The keys the service encrypts and decrypts with. SECRETS_KEY when set (production refuses to
 * start without it). Otherwise, for development and demos, a key generated once and kept in
 * `${dataDir}/secrets-key` (mode 0600), so that stored API keys stay readable across restarts.
 */
export function resolveSecretsKeys(settings: SecretsSettings): SecretsKeyring {
  const previous = settings.previousKey ? parseSecretsKey(settings.previousKey, 'SECRETS_KEY_PREVIOUS') : undefined;
  if (settings.key) return { current: parseSecretsKey(settings.key, 'SECRETS_KEY'), previous };
  if (settings.production) {
    throw new SecretsConfigError(
      `SECRETS_KEY: set ${HOW_TO_MAKE_ONE}; production does not start without it, as it encrypts the providers' API keys`,
    );
  }
  return { current: developmentKey(settings.dataDir), previous };
}

/** Refuses anything but exactly 32 bytes of canonical base64; the message never repeats the value. */
export function parseSecretsKey(text: string, setting: string): SecretsKey {
  const trimmed = text.trim();
  const bytes = BASE64.test(trimmed) ? Buffer.from(trimmed, 'base64') : undefined;
  if (!bytes || bytes.length !== SECRETS_KEY_BYTES) {
    const got = bytes ? `it decodes to ${bytes.length} bytes` : 'it is not base64';
    throw new SecretsConfigError(`${setting}: expected ${HOW_TO_MAKE_ONE}, but ${got}`);
  }
  if (bytes.every((b) => b === bytes[0])) {
    throw new SecretsConfigError(
      `${setting}: the key repeats one byte, which is a placeholder, not a key; set ${HOW_TO_MAKE_ONE}`,
    );
  }
  return { id: keyId(bytes), bytes };
}

/**
 * A domain-separated hash, cut short: enough to tell two keys apart in an envelope, and unlike a
 * hash of the bare key it is no fingerprint that matches the same key used anywhere else.
 */
export function keyId(bytes: Buffer): string {
  return createHash('sha256')
    .update('providers-service secrets key id\0')
    .update(bytes)
    .digest()
    .subarray(0, 6)
    .toString('base64url');
}

function developmentKey(dataDir: string): SecretsKey {
  const path = join(dataDir, 'secrets-key');
  const { text, created } = keptSecretFile(path, SECRETS_KEY_BYTES, 'base64');
  let key: SecretsKey;
  try {
    key = parseSecretsKey(text, path);
  } catch (err) {
    // Deleting the file makes every value sealed under it unreadable: say so rather than just "delete it".
    throw new SecretsConfigError(
      `${(err as Error).message}. Restore the file, or delete it (API keys stored under it become unreadable) or set SECRETS_KEY`,
    );
  }
  if (created) new Logger('SecretsKey').log(`SECRETS_KEY is not set: generated a development key in ${path}`);
  return key;
}
