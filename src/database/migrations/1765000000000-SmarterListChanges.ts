import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The list's change notifications (1764500000000-ChangeNotifications) widened to what the
 * Smarter list format shows (PROVIDERS_LIST_FORMAT=smarter, src/providers/dto/
 * provider-smarter.serializer.ts): every provider column it reads, and the names and emails of
 * the users it names (a provider's owner, who accepted its terms), which appear in other
 * users' lists. The mini list is never wrong for being told more: its entries are only dropped
 * a little more often, on writes that are rare (management, verification outcomes).
 *
 * - providers: an update of any column the format reads notifies the owner's account, as a
 *   rename did already.
 * - users: a changed username or email notifies `all` besides `user:<id>`: the user may own
 *   or have accepted the terms of providers in any account, and finding which would scan the
 *   providers table, for a change that is rare.
 * - user_profiles: a profile given to another user changes the owner the account's providers
 *   show: its account is notified.
 */
const LIST_COLUMNS = [
  'owner_profile_id',
  'name',
  'base_url',
  'description',
  'row_version',
  'status',
  'is_default',
  'default_model',
  'connectivity_test_path',
  'website_url',
  'docs_url',
  'terms_of_service_url',
  'privacy_policy_url',
  'is_active',
  'is_verified',
  'is_featured',
  'api_key_ciphertext',
  'api_key_last4',
  'tos_accepted_at',
  'tos_accepted_by',
  'contact_email',
  'support_email',
  'created_at',
  'updated_at',
];

/** notify_providers_change() as 1764500000000 wrote it, with `extra` in the users and profiles branches. */
function notifyFunction(extra: { users: string; profiles: string }): string {
  return `
      CREATE OR REPLACE FUNCTION notify_providers_change() RETURNS trigger
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
          END IF;${extra.profiles}
        ELSIF TG_TABLE_NAME = 'users' THEN
          PERFORM pg_notify('providers_changes', 'user:' || OLD.id);${extra.users}
        ELSIF TG_TABLE_NAME = 'accounts' THEN
          PERFORM pg_notify('providers_changes', 'all');
        END IF;
        RETURN NULL;
      END $$`;
}

export class SmarterListChanges1765000000000 implements MigrationInterface {
  name = 'SmarterListChanges1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(
      notifyFunction({
        profiles: `
          IF TG_OP = 'UPDATE' AND OLD.user_id IS DISTINCT FROM NEW.user_id THEN
            PERFORM notify_providers_change_for_account(NEW.account_id);
          END IF;`,
        users: `
          IF TG_OP = 'UPDATE' AND (OLD.username IS DISTINCT FROM NEW.username OR OLD.email IS DISTINCT FROM NEW.email) THEN
            PERFORM pg_notify('providers_changes', 'all');
          END IF;`,
      }),
    );
    await q.query(`DROP TRIGGER providers_notify_change ON providers`);
    await q.query(`
      CREATE TRIGGER providers_notify_change
        AFTER INSERT OR DELETE OR UPDATE OF ${LIST_COLUMNS.join(', ')} ON providers
        FOR EACH ROW EXECUTE FUNCTION notify_providers_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TRIGGER providers_notify_change ON providers`);
    await q.query(`
      CREATE TRIGGER providers_notify_change
        AFTER INSERT OR DELETE OR UPDATE OF owner_profile_id, name, base_url ON providers
        FOR EACH ROW EXECUTE FUNCTION notify_providers_change()`);
    await q.query(notifyFunction({ profiles: '', users: '' }));
  }
}
