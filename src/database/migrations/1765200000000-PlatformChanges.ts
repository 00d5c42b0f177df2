import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A change to the providers owned inside a platform account is announced as
 * `platform:<id>` instead of `all` (1764500000000-ChangeNotifications). It still reaches every
 * user's list, but a cache that keeps the platform's providers apart (the providers cache's
 * per-account fragments) drops only that account's piece instead of everything, so a
 * platform provider renamed no longer empties every cache at once. Anything that does not
 * know the payload reads it as `all` (parseChange), as a listener of an older version would.
 */
export class PlatformChanges1765200000000 implements MigrationInterface {
  name = 'PlatformChanges1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION notify_providers_change_for_account(changed_account_id integer) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        platform boolean;
      BEGIN
        SELECT is_platform INTO platform FROM accounts WHERE id = changed_account_id;
        IF platform IS NULL THEN
          -- Already gone (or never there): that tells us nothing, be safe.
          PERFORM pg_notify('providers_changes', 'all');
        ELSIF platform THEN
          PERFORM pg_notify('providers_changes', 'platform:' || changed_account_id);
        ELSE
          PERFORM pg_notify('providers_changes', 'account:' || changed_account_id);
        END IF;
      END $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION notify_providers_change_for_account(changed_account_id integer) RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM accounts WHERE id = changed_account_id AND NOT is_platform) THEN
          PERFORM pg_notify('providers_changes', 'account:' || changed_account_id);
        ELSE
          PERFORM pg_notify('providers_changes', 'all');
        END IF;
      END $$`);
  }
}
