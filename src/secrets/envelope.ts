import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { SecretsKey } from './secrets-keys.js';
import { SecretAuthenticationError, SecretKeyUnknownError, SecretMalformedError } from './secrets.errors.js';

/*
 * The envelope: one line of text, so that it fits a plain `text` column, survives JSON and
 * copy-paste, and can be told apart from a plaintext at a glance.
 *
 *   v1.<key id>.<iv>.<ciphertext>.<tag>        (each binary part base64url, no padding)
 *
 * - `v1`: the format version. A later format (another cipher, a KDF) gets v2, and the reader
 *   still knows how to open every value written before it.
 * - key id: which key sealed the value (see keyId), so that during a rotation SECRETS_KEY and
 *   SECRETS_KEY_PREVIOUS can both be tried without guessing, and a rotation can tell which rows
 *   are still to do.
 * - iv: 12 random bytes per encryption, the size GCM is designed for. A repeated IV under one
 *   key would expose both plaintexts, which random 96-bit IVs make negligible for the number of
 *   values this service stores.
 * - ciphertext: AES-256-GCM of the UTF-8 plaintext, as long as it.
 * - tag: the full 16-byte GCM tag, kept as its own part so that a value cut short is reported
 *   as truncated rather than as tampered.
 *
 * `v1.<key id>` is also the additional authenticated data: editing the version or the key id
 * fails the tag check like any other change.
 */

const VERSION = 'v1';
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const PART = /^[A-Za-z0-9_-]*$/;

interface ParsedEnvelope {
  keyId: string;
  header: string;
  iv: Buffer;
  ciphertext: Buffer;
  tag: Buffer;
}

export function seal(key: SecretsKey, plaintext: string): string {
  const header = `${VERSION}.${key.id}`;
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(ALGORITHM, key.bytes, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(header));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    header,
    iv.toString('base64url'),
    ciphertext.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
  ].join('.');
}

/** Opens an envelope with whichever of `keys` sealed it. */
export function open(keys: readonly SecretsKey[], envelope: string): string {
  const parsed = parseEnvelope(envelope);
  const key = keys.find((k) => k.id === parsed.keyId);
  if (!key)
    throw new SecretKeyUnknownError(
      parsed.keyId,
      keys.map((k) => k.id),
    );

  const decipher = createDecipheriv(ALGORITHM, key.bytes, parsed.iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(parsed.header));
  decipher.setAuthTag(parsed.tag);
  try {
    return Buffer.concat([decipher.update(parsed.ciphertext), decipher.final()]).toString('utf8');
  } catch {
    // OpenSSL's own message ("Unsupported state or unable to authenticate data") says nothing more.
    throw new SecretAuthenticationError(parsed.keyId);
  }
}

/** The key id an envelope names, without opening it. */
export function envelopeKeyId(envelope: string): string {
  return parseEnvelope(envelope).keyId;
}

function parseEnvelope(envelope: string): ParsedEnvelope {
  if (typeof envelope !== 'string') throw new SecretMalformedError('not a string');
  const parts = envelope.split('.');
  if (parts[0] !== VERSION) throw new SecretMalformedError(`unknown format (expected it to start with "${VERSION}.")`);
  if (parts.length !== 5) throw new SecretMalformedError(`it has ${parts.length} of the 5 parts (truncated?)`);
  if (!parts.every((p) => PART.test(p))) throw new SecretMalformedError('a part is not base64url');
  const [, keyId, iv, ciphertext, tag] = parts;
  if (!keyId) throw new SecretMalformedError('the key id is empty');
  const parsed = {
    keyId,
    header: `${VERSION}.${keyId}`,
    iv: Buffer.from(iv, 'base64url'),
    ciphertext: Buffer.from(ciphertext, 'base64url'),
    tag: Buffer.from(tag, 'base64url'),
  };
  if (parsed.iv.length !== IV_BYTES)
    throw new SecretMalformedError(`the IV has ${parsed.iv.length} of ${IV_BYTES} bytes`);
  if (parsed.tag.length !== TAG_BYTES) {
    throw new SecretMalformedError(`the tag has ${parsed.tag.length} of ${TAG_BYTES} bytes (truncated?)`);
  }
  return parsed;
}
