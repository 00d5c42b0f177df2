import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthUser } from './auth-user.js';
import { AppConfig } from '../config/app-config.js';
import { ChangeAwareCache } from '../database/change-aware-cache.js';
import { DataChangesService } from '../database/data-changes.service.js';

/** What sign-in needs to check a password; the hash never leaves the auth service. */
export interface UserCredentials {
  id: number;
  isActive: boolean;
  passwordHash: string;
}

interface AuthUserRow {
  id: number;
  username: string;
  email: string;
  is_superuser: boolean;
  is_staff: boolean;
  is_active: boolean;
}

/**
 * The user look-ups that authentication runs. Plain parameterised SQL, because they run on
 * every request (the per-request check is a primary-key lookup of six narrow columns) and
 * on every sign-in attempt.
 */
@Injectable()
export class UsersService {
  /**
   * With the caches on (PROVIDERS_CACHE), the per-request check is answered from memory:
   * a change to a user (deactivated, deleted, flags) is announced by the database and drops
   * the entry, and nothing is served from it while the change listener is down.
   */
  private readonly authUsers: ChangeAwareCache<number, AuthUser> | null;

  constructor(
    private readonly dataSource: DataSource,
    config: AppConfig,
    changes: DataChangesService,
  ) {
    this.authUsers = config.providersCache
      ? new ChangeAwareCache<number, AuthUser>(changes, { max: 100_000 }, (change, entries) => {
          if (change.kind === 'user') entries.delete(change.userId);
        })
      : null;
  }

  async findAuthUser(id: number): Promise<AuthUser | null> {
    const cached = this.authUsers?.get(id);
    if (cached) return cached;
    const ticket = this.authUsers?.ticket() ?? 0;
    const user = await this.loadAuthUser(id);
    if (user) this.authUsers?.set(ticket, id, user);
    return user;
  }

  private async loadAuthUser(id: number): Promise<AuthUser | null> {
    const rows: AuthUserRow[] = await this.dataSource.query(
      `SELECT id, username, email, is_superuser, is_staff, is_active FROM users WHERE id = $1`,
      [id],
    );
    const row = rows[0];
    if (!row) return null;
    // Frozen: with the cache on, one object serves many requests.
    return Object.freeze({
      id: row.id,
      username: row.username,
      email: row.email,
      isSuperuser: row.is_superuser,
      isStaff: row.is_staff,
      isActive: row.is_active,
    });
  }

  async findCredentials(username: string): Promise<UserCredentials | null> {
    // PostgreSQL text cannot hold a NUL character, so no user has such a name; asking would be
    // an error (a 500) rather than the "unknown user" that sign-in answers like any other.
    if (username.includes('\u0000')) return null;
    const rows: { id: number; is_active: boolean; password_hash: string }[] = await this.dataSource.query(
      `SELECT id, is_active, password_hash FROM users WHERE username = $1`,
      [username],
    );
    const row = rows[0];
    return row ? { id: row.id, isActive: row.is_active, passwordHash: row.password_hash } : null;
  }

  /**
   * Numbers of the accounts the user has a profile in, sorted byte-wise (COLLATE "C") so the
   * order does not depend on the database's locale.
   */
  async accountNumbers(userId: number): Promise<string[]> {
    const rows: { account_number: string }[] = await this.dataSource.query(
      `SELECT a.account_number
         FROM user_profiles p
         JOIN accounts a ON a.id = p.account_id
        WHERE p.user_id = $1
        ORDER BY a.account_number COLLATE "C"`,
      [userId],
    );
    return rows.map((r) => r.account_number);
  }
}
