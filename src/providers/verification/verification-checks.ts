import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { DomainError } from '../../common/domain-error.js';
import { EgressService } from '../../egress/egress.service.js';
import { SecretsService } from '../../secrets/secrets.service.js';
import type { VerificationCheck } from './provider-verification.entity.js';

/** What the checks need to know about a provider. */
export interface ProviderUnderCheck {
  base_url: string | null;
  connectivity_test_path: string;
  website_url: string | null;
  docs_url: string | null;
  terms_of_service_url: string | null;
  privacy_policy_url: string | null;
  tos_accepted_at: Date | null;
  api_key_ciphertext: string | null;
}

export interface CheckResult {
  check: VerificationCheck;
  ok: boolean;
  message: string;
}

const URL_CHECKS = ['website_url', 'docs_url', 'terms_of_service_url', 'privacy_policy_url'] as const;

/** `GET {base_url}/{connectivity_test_path}`: one slash between them, whatever each side has. */
export function connectivityUrl(baseUrl: string, testPath: string): string {
  const path = testPath.replace(/^\/+/, '');
  return path ? `${baseUrl.replace(/\/+$/, '')}/${path}` : baseUrl;
}

/**
 * Smarter's checks of a provider, each one result. Calls go out through EgressService only
 * (its address policy, no redirects followed, no caller header), each bounded by
 * VERIFICATION_TIMEOUT_MS; only the status is awaited and the body is then given up, so a slow
 * or endless body costs nothing. The API key is decrypted for the connectivity call alone and
 * is never part of a message (egress messages name the origin only).
 */
@Injectable()
export class VerificationChecks {
  constructor(
    private readonly egress: EgressService,
    private readonly secrets: SecretsService,
    private readonly config: AppConfig,
  ) {}

  /** `onResult` hears each check as soon as it is decided, so that a run can be watched as it goes. */
  async run(
    provider: ProviderUnderCheck,
    onResult: (result: CheckResult) => Promise<void> = async () => {},
  ): Promise<CheckResult[]> {
    const reported = (result: Promise<CheckResult>) => result.then(async (r) => (await onResult(r), r));
    const calls = [this.connectivity(provider), ...URL_CHECKS.map((check) => this.publicUrl(check, provider[check]))];
    const local: CheckResult[] = [
      provider.tos_accepted_at
        ? { check: 'terms_accepted', ok: true, message: `accepted ${provider.tos_accepted_at.toISOString()}` }
        : { check: 'terms_accepted', ok: false, message: 'the terms of service have not been accepted' },
      provider.api_key_ciphertext
        ? { check: 'api_key', ok: true, message: 'set' }
        : { check: 'api_key', ok: false, message: 'no API key is set' },
    ];
    for (const result of local) await onResult(result);
    return [...(await Promise.all(calls.map(reported))), ...local];
  }

  private async connectivity(provider: ProviderUnderCheck): Promise<CheckResult> {
    const check = 'connectivity';
    if (!provider.base_url) return { check, ok: false, message: 'the provider has no base URL' };
    if (!provider.api_key_ciphertext) return { check, ok: false, message: 'no API key to call with' };
    let key: string;
    try {
      key = this.secrets.decrypt(provider.api_key_ciphertext);
    } catch (err) {
      return { check, ok: false, message: `the stored API key cannot be decrypted (${(err as Error).name})` };
    }
    const url = connectivityUrl(provider.base_url, provider.connectivity_test_path);
    return { check, ...(await this.answersOk(url, { authorization: `Bearer ${key}` })) };
  }

  /**
   * An unset URL is optional in the record, so there is nothing to check: it passes, and the
   * message says so. A set one must answer 200.
   */
  private async publicUrl(check: (typeof URL_CHECKS)[number], url: string | null): Promise<CheckResult> {
    if (!url) return { check, ok: true, message: 'not set: nothing to check' };
    return { check, ...(await this.answersOk(url, {})) };
  }

  private async answersOk(url: string, headers: Record<string, string>): Promise<{ ok: boolean; message: string }> {
    try {
      const response = await this.egress.stream({
        url,
        method: 'GET',
        headers,
        limits: { totalTimeoutMs: this.config.VERIFICATION_TIMEOUT_MS },
      });
      response.body.cancel();
      if (response.status === 200) return { ok: true, message: 'answered 200' };
      const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
      return { ok: false, message: `answered ${response.status}, not 200${redirect}` };
    } catch (err) {
      if (err instanceof DomainError) return { ok: false, message: err.message };
      throw err;
    }
  }
}
