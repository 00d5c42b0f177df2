import { DomainError } from '../common/domain-error.js';

/*
 * A stored secret the service cannot open is a fault on the server's side (its data or its keys),
 * never something the client did: hence 500. The messages name the key id at most, never the
 * plaintext, the key or the envelope itself.
 */

/** The value is not an envelope this service wrote: cut short, edited outside its parts, or never encrypted. */
export class SecretMalformedError extends DomainError {
  readonly code = 'secret_malformed';
  readonly status = 500;
  constructor(reason: string) {
    super(`The stored secret is not a readable envelope: ${reason}`);
  }
}

/** Encrypted under a key that is neither SECRETS_KEY nor SECRETS_KEY_PREVIOUS. */
export class SecretKeyUnknownError extends DomainError {
  readonly code = 'secret_key_unknown';
  readonly status = 500;
  constructor(
    readonly keyId: string,
    knownKeyIds: readonly string[],
  ) {
    super(
      `The stored secret was encrypted under key id ${keyId}, which is neither SECRETS_KEY nor SECRETS_KEY_PREVIOUS ` +
        `(known key ids: ${knownKeyIds.join(', ')})`,
    );
  }
}

/** The authentication tag does not match: the envelope was altered, or sealed under another key with the same id. */
export class SecretAuthenticationError extends DomainError {
  readonly code = 'secret_authentication_failed';
  readonly status = 500;
  constructor(keyId: string) {
    super(
      `The stored secret failed authentication under key id ${keyId}: it was altered, or encrypted under another key`,
    );
  }
}

/** Start-up refusal: a missing or malformed SECRETS_KEY / SECRETS_KEY_PREVIOUS. The message says what to set. */
export class SecretsConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SecretsConfigError';
  }
}
