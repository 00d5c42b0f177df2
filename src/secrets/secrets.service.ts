import { Inject, Injectable } from '@nestjs/common';
import { envelopeKeyId, open, seal } from './envelope.js';
import { resolveSecretsKeys, type SecretsKey, type SecretsSettings } from './secrets-keys.js';
import { SECRETS_SETTINGS } from './secrets.module-definition.js';

/**
 * Encrypts and decrypts the secrets the service stores (the providers' API keys). Encryption
 * always uses SECRETS_KEY; decryption also accepts SECRETS_KEY_PREVIOUS, so that a rotation can
 * re-encrypt stored values one by one while both keys are given.
 */
@Injectable()
export class SecretsService {
  private readonly current: SecretsKey;
  private readonly readable: readonly SecretsKey[];

  constructor(@Inject(SECRETS_SETTINGS) settings: SecretsSettings) {
    const keys = resolveSecretsKeys(settings);
    this.current = keys.current;
    this.readable = keys.previous ? [keys.current, keys.previous] : [keys.current];
  }

  /** The id written into every envelope sealed from now on. */
  get currentKeyId(): string {
    return this.current.id;
  }

  encrypt(plaintext: string): string {
    return seal(this.current, plaintext);
  }

  /** Throws a SecretMalformedError, SecretKeyUnknownError or SecretAuthenticationError when it cannot. */
  decrypt(envelope: string): string {
    return open(this.readable, envelope);
  }

  /** True when the envelope was sealed under another key than SECRETS_KEY (a rotation re-encrypts it). */
  needsRotation(envelope: string): boolean {
    return envelopeKeyId(envelope) !== this.current.id;
  }
}
