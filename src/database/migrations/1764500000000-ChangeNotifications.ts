import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Triggers that NOTIFY `providers_changes` whenever a committed change can alter someone's
 * list of readable providers or their signed-in identity, whoever makes it (this service,
 * the import CLI, another instance, a psql session). Each instance LISTENs and drops the
 * affected cache entries (src/database/data-changes.service.ts). PostgreSQL delivers the
 * notifications only on commit and folds identical ones within a transaction, so a bulk
 * import sends one message per touched account, not per row.
 *
 * Payloads: `user:<id>` (that user's flags, identity or profiles changed), `account:<id>`
 * (the providers owned inside that ordinary account changed, including a profile moved in
 * or out of it with its providers), `all` (the same for a platform account, an account's
 * platform flag or number, or a TRUNCATE).
 *
 * The triggers restate `provider.read` (src/permissions/access-scopes.ts): a list depends on
 * the user's flags and profiles, on the providers owned in their accounts and in platform
 * accounts, and on which accounts are platform ones. A change to that rule needs a new
 * migration that changes them; test/read-rule-restatements.e2e-spec.ts checks them against it.
 */
const TABLES = ['accounts', 'users', 'user_profiles', 'providers'];

export class ChangeNotifications1764500000000 implements MigrationInterface {
  name = 'ChangeNotifications1764500000000';

  async up(q: QueryRunner): Promise<void> {
    // Providers owned inside an account changed: its members' lists, or everyone's when it
    // is a platform account (or is already gone, which tells us nothing: be safe).
    await q.query(`
      CREATE FUNCTION notify_providers_change_for_account(changed_account_id integer) RETURNS void
      LANGUAGE plpgsql AS $$
      BEGIN
        IF EXISTS (SELECT 1 FROM accounts WHERE id = changed_account_id AND NOT is_platform) THEN
          PERFORM pg_notify('providers_changes', 'account:' || changed_account_id);
        ELSE
          PERFORM pg_notify('providers_changes', 'all');
        END IF;
      END $$`);

    await q.query(`
      CREATE FUNCTION notify_providers_change_for_profile(profile_id integer) RETURNS void
      LANGUAGE plpgsql AS $$
      DECLARE
        owner_account integer;
      BEGIN
        SELECT account_id INTO owner_account FROM user_profiles WHERE id = profile_id;
        PERFORM notify_providers_change_for_account(owner_account);
      END $$`);

    await q.query(`
      CREATE FUNCTION notify_providers_change() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_TABLE_NAME = 'providers' THEN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM notify_providers_change_for_profile(OLD.owner_profile_id);
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM notify_providers_change_for_profile(NEW.owner_profile_id);
          END IF;
        ELSIF TG_TABLE_NAME = 'user_profiles' THEN
          IF TG_OP IN ('UPDATE', 'DELETE') THEN
            PERFORM pg_notify('providers_changes', 'user:' || OLD.user_id);
          END IF;
          IF TG_OP IN ('INSERT', 'UPDATE') THEN
            PERFORM pg_notify('providers_changes', 'user:' || NEW.user_id);
          END IF;
          -- A profile moved to another account takes the providers it owns along: both
          -- accounts' members see a different list.
          IF TG_OP = 'UPDATE' AND OLD.account_id IS DISTINCT FROM NEW.account_id THEN
            PERFORM notify_providers_change_for_account(OLD.account_id);
            PERFORM notify_providers_change_for_account(NEW.account_id);
          END IF;
        ELSIF TG_TABLE_NAME = 'users' THEN
          PERFORM pg_notify('providers_changes', 'user:' || OLD.id);
        ELSIF TG_TABLE_NAME = 'accounts' THEN
          PERFORM pg_notify('providers_changes', 'all');
        END IF;
        RETURN NULL;
      END $$`);

    await q.query(`
      CREATE TRIGGER providers_notify_change
        AFTER INSERT OR DELETE OR UPDATE OF owner_profile_id, name, base_url ON providers
        FOR EACH ROW EXECUTE FUNCTION notify_providers_change()`);
    await q.query(`
      CREATE TRIGGER user_profiles_notify_change
        AFTER INSERT OR DELETE OR UPDATE OF user_id, account_id ON user_profiles
        FOR EACH ROW EXECUTE FUNCTION notify_providers_change()`);
    // A new user has nothing cached yet: only updates and deletes matter.
    await q.query(`
      CREATE TRIGGER users_notify_change
        AFTER DELETE OR UPDATE OF username, email, is_superuser, is_staff, is_active ON users
        FOR EACH ROW EXECUTE FUNCTION notify_providers_change()`);
    await q.query(`
      CREATE TRIGGER accounts_notify_change
        AFTER DELETE OR UPDATE OF is_platform, account_number ON accounts
        FOR EACH ROW EXECUTE FUNCTION notify_providers_change()`);

    // TRUNCATE fires no row triggers; it can change anything (and restart the ids caches key on).
    await q.query(`
      CREATE FUNCTION notify_providers_truncate() RETURNS trigger
      LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('providers_changes', 'all');
        RETURN NULL;
      END $$`);
    for (const table of TABLES) {
      await q.query(`CREATE TRIGGER ${table}_notify_truncate AFTER TRUNCATE ON ${table}
                     FOR EACH STATEMENT EXECUTE FUNCTION notify_providers_truncate()`);
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const table of TABLES) await q.query(`DROP TRIGGER ${table}_notify_truncate ON ${table}`);
    await q.query(`DROP FUNCTION notify_providers_truncate()`);
    await q.query(`DROP TRIGGER accounts_notify_change ON accounts`);
    await q.query(`DROP TRIGGER users_notify_change ON users`);
    await q.query(`DROP TRIGGER user_profiles_notify_change ON user_profiles`);
    await q.query(`DROP TRIGGER providers_notify_change ON providers`);
    await q.query(`DROP FUNCTION notify_providers_change()`);
    await q.query(`DROP FUNCTION notify_providers_change_for_profile(integer)`);
    await q.query(`DROP FUNCTION notify_providers_change_for_account(integer)`);
  }
}
