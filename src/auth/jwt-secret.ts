import { Logger } from '@nestjs/common';
import { join } from 'node:path';
import type { AppConfig } from '../config/app-config.js';
import { keptSecretFile } from '../secrets/kept-secret-file.js';

/** Injection token of the HS256 key that signs and verifies access tokens. */
export const JWT_SIGNING_KEY = Symbol('JWT_SIGNING_KEY');

const MIN_BYTES = 32;

/**
 * JWT_SECRET when set (production refuses to start without a strong one, see loadConfig).
 * Otherwise, for development and demos, a random secret generated once and kept in
 * `${DATA_DIR}/jwt-secret` (mode 0600), so that signed-in browsers survive a restart.
 */
export function resolveJwtSecret(config: AppConfig): string {
  if (config.JWT_SECRET) return config.JWT_SECRET;
  if (config.isProduction) {
    // loadConfig already refuses this; kept so that no code path can sign with a made-up key.
    throw new Error('JWT_SECRET must be set in production');
  }
  const path = join(config.DATA_DIR, 'jwt-secret');
  const { text, created } = keptSecretFile(path, 48, 'base64url');
  if (Buffer.byteLength(text) < MIN_BYTES) {
    throw new Error(
      `${path} holds fewer than ${MIN_BYTES} bytes: delete it to have a new secret generated, or set JWT_SECRET`,
    );
  }
  if (created) new Logger('JwtSecret').log(`JWT_SECRET is not set: generated a development secret in ${path}`);
  return text;
}
