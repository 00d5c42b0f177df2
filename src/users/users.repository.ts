import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

export interface AuthUserRow {
  id: number;
  username: string;
  email: string;
  is_superuser: boolean;
  is_staff: boolean;
  is_active: boolean;
}

export interface CredentialsRow {
  id: number;
  is_active: boolean;
  password_hash: string;
}

/**
 * Every SQL of users and their profiles. Plain parameterised SQL, because the first two run
 * on every request (a primary-key lookup of six narrow columns) and every sign-in attempt.
 */
@Injectable()
export class UsersRepository {
  constructor(private readonly db: DataSource) {}

  async findAuthUserRow(id: number): Promise<AuthUserRow | null> {
    const rows: AuthUserRow[] = await this.db.query(
      `SELECT id, username, email, is_superuser, is_staff, is_active FROM users WHERE id = $1`,
      [id],
    );
    return rows[0] ?? null;
  }

  async findCredentialsRow(username: string): Promise<CredentialsRow | null> {
    const rows: CredentialsRow[] = await this.db.query(
      `SELECT id, is_active, password_hash FROM users WHERE username = $1`,
      [username],
    );
    return rows[0] ?? null;
  }

  /** Ids of the accounts the user has a profile in. */
  async accountIdsOf(userId: number): Promise<Set<number>> {
    const rows: { account_id: number }[] = await this.db.query(
      'SELECT account_id FROM user_profiles WHERE user_id = $1',
      [userId],
    );
    return new Set(rows.map((r) => r.account_id));
  }

  /**
   * The accounts whose providers the user reads (`provider.read` for an active ordinary user,
   * restated over accounts for the providers cache's fragments): those they have a profile
   * in, and the platform accounts provided they have at least one. Ascending, each once.
   */
  async readableAccountIdsOf(userId: number): Promise<number[]> {
    const rows: { id: number }[] = await this.db.query(
      `SELECT account_id AS id FROM user_profiles WHERE user_id = $1
       UNION
       SELECT id FROM accounts WHERE is_platform AND EXISTS (SELECT 1 FROM user_profiles WHERE user_id = $1)
       ORDER BY id`,
      [userId],
    );
    return rows.map((r) => r.id);
  }

  async isEmpty(): Promise<boolean> {
    const [{ empty }]: { empty: boolean }[] = await this.db.query(`SELECT NOT EXISTS (SELECT 1 FROM users) AS empty`);
    return empty;
  }

  /** How many of these usernames exist. */
  async countByUsername(usernames: readonly string[]): Promise<number> {
    const [{ present }]: { present: number }[] = await this.db.query(
      `SELECT count(*)::int AS present FROM users WHERE username = ANY($1::text[])`,
      [usernames],
    );
    return present;
  }
}
