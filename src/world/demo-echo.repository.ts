import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** The demo world's "Local echo" provider, found by its natural key (name and owner account). */
export const DEMO_ECHO_PROVIDER = { name: 'Local echo', accountNumber: '1000-0000-0001' } as const;

/** What a world file cannot say (the port, a key, the model): filled in after the import. */
export interface DemoEchoSettings {
  baseUrl: string;
  defaultModel: string;
  apiKeyCiphertext: string;
  apiKeyLast4: string | null;
}

@Injectable()
export class DemoEchoRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Points "Local echo" at this run's port and gives it a key and a default model where it has
   * none, provided it still points at a demo echo: one that somebody re-pointed is left alone.
   * True when such a provider was there.
   */
  async prepare(settings: DemoEchoSettings): Promise<boolean> {
    const [, affected] = (await this.db.query(
      `UPDATE providers p
          SET base_url = $3,
              default_model = CASE WHEN p.default_model = '' THEN $4 ELSE p.default_model END,
              api_key_ciphertext = coalesce(p.api_key_ciphertext, $5),
              api_key_last4 = CASE WHEN p.api_key_ciphertext IS NULL THEN $6 ELSE p.api_key_last4 END,
              status = CASE WHEN p.status = 'unverified' THEN 'verified' ELSE p.status END,
              verified_at = coalesce(p.verified_at, now())
         FROM user_profiles owner
         JOIN accounts a ON a.id = owner.account_id
        WHERE p.owner_profile_id = owner.id
          AND p.name = $1
          AND a.account_number = $2
          AND p.base_url ~ '^http://127\\.0\\.0\\.1:[0-9]+/demo/openai/v1$'`,
      [
        DEMO_ECHO_PROVIDER.name,
        DEMO_ECHO_PROVIDER.accountNumber,
        settings.baseUrl,
        settings.defaultModel,
        settings.apiKeyCiphertext,
        settings.apiKeyLast4,
      ],
    )) as [unknown, number];
    return affected > 0;
  }
}
