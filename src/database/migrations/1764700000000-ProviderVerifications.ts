import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The latest result of each verification check of each provider: a new run overwrites the
 * row of each check it made, so the table answers "what does this provider's last run say"
 * without history (the outcome itself is in provider_history). Results go with their provider.
 */
export class ProviderVerifications1764700000000 implements MigrationInterface {
  name = 'ProviderVerifications1764700000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE provider_verifications (
        provider_id integer     NOT NULL,
        "check"     varchar(32) NOT NULL,
        ok          boolean     NOT NULL,
        message     text        NOT NULL DEFAULT '',
        checked_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT provider_verifications_pkey PRIMARY KEY (provider_id, "check"),
        CONSTRAINT provider_verifications_provider_id_fkey FOREIGN KEY (provider_id)
          REFERENCES providers (id) ON DELETE CASCADE
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE provider_verifications`);
  }
}
