import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * What every instance must agree on about signing in, kept where they all look: failed
 * sign-ins counted per username and per address (the throttle), access tokens signed out
 * one by one (their `jti`), and per user the moment before which every token was signed out
 * ("sign out everywhere"). Each row outlives its purpose by at most a window or a token's
 * lifetime; the service deletes it afterwards.
 *
 * A revocation NOTIFYs `user:<id>`, as a change to that user does: every instance drops what
 * it cached about the user (src/database/data-changes.service.ts), the revocations included.
 */
export class SharedSignIn1764900000000 implements MigrationInterface {
  name = 'SharedSignIn1764900000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE sign_in_failures (
        key            varchar(300) PRIMARY KEY,
        failures       integer      NOT NULL,
        window_ends_at timestamptz  NOT NULL
      )`);
    await q.query(`CREATE INDEX sign_in_failures_window_ends_at_idx ON sign_in_failures (window_ends_at)`);

    await q.query(`
      CREATE TABLE revoked_tokens (
        jti        varchar(64) PRIMARY KEY,
        user_id    integer     NOT NULL,
        expires_at timestamptz NOT NULL,
        CONSTRAINT revoked_tokens_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      )`);
    await q.query(`CREATE INDEX revoked_tokens_user_id_idx ON revoked_tokens (user_id)`);
    await q.query(`CREATE INDEX revoked_tokens_expires_at_idx ON revoked_tokens (expires_at)`);

    await q.query(`
      CREATE TABLE user_token_cutoffs (
        user_id            integer     PRIMARY KEY,
        tokens_valid_after timestamptz NOT NULL,
        CONSTRAINT user_token_cutoffs_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
      )`);

    await q.query(`
      CREATE FUNCTION notify_tokens_revoked() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('providers_changes', 'user:' || NEW.user_id);
        RETURN NULL;
      END $$`);
    await q.query(`
      CREATE TRIGGER revoked_tokens_notify AFTER INSERT ON revoked_tokens
        FOR EACH ROW EXECUTE FUNCTION notify_tokens_revoked()`);
    await q.query(`
      CREATE TRIGGER user_token_cutoffs_notify AFTER INSERT OR UPDATE ON user_token_cutoffs
        FOR EACH ROW EXECUTE FUNCTION notify_tokens_revoked()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE user_token_cutoffs`);
    await q.query(`DROP TABLE revoked_tokens`);
    await q.query(`DROP FUNCTION notify_tokens_revoked()`);
    await q.query(`DROP TABLE sign_in_failures`);
  }
}
