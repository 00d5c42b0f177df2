import { EgressConfigError } from '../egress/egress.errors.js';
import { parseAllowHosts } from '../egress/egress-policy.js';
import { SecretsConfigError } from '../secrets/secrets.errors.js';
import { parseSecretsKey } from '../secrets/secrets-keys.js';
import type { AppConfig } from './app-config.js';

/**
 * Production settings that are allowed but weaken a defence: logged at start-up, so that a
 * deliberate exception (a production build tried over plain HTTP) is never a silent one.
 */
export function configWarnings(config: AppConfig): string[] {
  if (!config.isProduction) return [];
  const warnings: string[] = [];
  if (!config.cookieSecure && config.ALLOW_INSECURE_COOKIES) {
    warnings.push(
      'COOKIE_SECURE=false with ALLOW_INSECURE_COOKIES=true: session cookies are sent over plain HTTP and no ' +
        'Strict-Transport-Security header is set. Only for trying a production build on localhost.',
    );
  }
  return warnings;
}

/** Settings whose format class-validator cannot check: the keys and the egress allow-list, in every environment. */
export function formatProblems(config: AppConfig): string[] {
  const problems: string[] = [];
  const check = (run: () => unknown) => {
    try {
      run();
    } catch (err) {
      if (!(err instanceof SecretsConfigError || err instanceof EgressConfigError)) throw err;
      problems.push(err.message);
    }
  };
  if (config.SECRETS_KEY) check(() => parseSecretsKey(config.SECRETS_KEY!, 'SECRETS_KEY'));
  if (config.SECRETS_KEY_PREVIOUS) check(() => parseSecretsKey(config.SECRETS_KEY_PREVIOUS!, 'SECRETS_KEY_PREVIOUS'));
  check(() => parseAllowHosts(config.EGRESS_ALLOW_HOSTS));
  return problems;
}

/** Settings that are fine for a developer's laptop and dangerous in production. */
export function productionProblems(config: AppConfig): string[] {
  if (!config.isProduction) return [];
  const problems: string[] = [];
  if (!config.SECRETS_KEY) {
    problems.push(
      "SECRETS_KEY: set a random 32-byte key, base64 (e.g. `openssl rand -base64 32`); it encrypts the providers' API keys",
    );
  }
  const secret = config.JWT_SECRET ?? '';
  if (Buffer.byteLength(secret) < 32 || /^(changeme|secret|change-me)/i.test(secret)) {
    problems.push(
      'JWT_SECRET: set a random secret of at least 32 bytes (e.g. `openssl rand -base64 48`) in production',
    );
  }
  if (config.CORS_ORIGINS.includes('*')) {
    problems.push('CORS_ORIGINS: `*` cannot be combined with credentials; list the allowed origins');
  }
  if (!config.cookieSecure && !config.ALLOW_INSECURE_COOKIES) {
    problems.push(
      'COOKIE_SECURE=false in production: also set ALLOW_INSECURE_COOKIES=true if you really serve plain HTTP',
    );
  }
  return problems;
}
