import { Injectable } from '@nestjs/common';
import { AccountsRepository } from '../accounts/accounts.repository.js';
import { AppConfig } from '../config/app-config.js';
import { perUserCache, type ChangeAwareCache } from '../database/change-aware-cache.js';
import { DataChangesService } from '../database/data-changes.service.js';
import type { AuthUser } from './auth-user.js';
import { UsersRepository, type AuthUserRow } from './users.repository.js';

/** What sign-in needs to check a password; the hash never leaves the auth service. */
export interface UserCredentials {
  id: number;
  isActive: boolean;
  passwordHash: string;
}

/** The user look-ups that authentication runs (their SQL is in UsersRepository). */
@Injectable()
export class UsersService {
  /**
   * With the caches on (PROVIDERS_CACHE), the per-request check is answered from memory:
   * a change to a user (deactivated, deleted, flags) is announced by the database and drops
   * the entry, and nothing is served from it while the change listener is down.
   */
  private readonly authUsers: ChangeAwareCache<number, AuthUser> | null;

  constructor(
    private readonly users: UsersRepository,
    private readonly accounts: AccountsRepository,
    config: AppConfig,
    changes: DataChangesService,
  ) {
    this.authUsers = config.providersCache ? perUserCache<AuthUser>(changes) : null;
  }

  /** The user check alone, through the same cache (the guard reads it with the sign-outs: AuthUserCheck). */
  async findAuthUser(id: number): Promise<AuthUser | null> {
    const cached = this.cachedAuthUser(id);
    if (cached) return cached;
    const ticket = this.authUserTicket();
    const row = await this.users.findAuthUserRow(id);
    return row ? this.authUserFromRow(ticket, row) : null;
  }

  /**
   * The user's check, when the cache holds it and may be trusted; undefined otherwise. For
   * the guard's path (AuthUserCheck), which reads a missing user's row together with their
   * sign-outs in one query, and hands the row back to `authUserFromRow`.
   */
  cachedAuthUser(id: number): AuthUser | undefined {
    return this.authUsers?.get(id);
  }

  /** Take before reading a user's row; hand it back to `authUserFromRow`. */
  authUserTicket(): number {
    return this.authUsers?.ticket() ?? 0;
  }

  /**
   * The AuthUser of a row (the columns of UsersRepository.findAuthUserRow) read after
   * `ticket`, kept for the next requests unless a change arrived since the ticket was taken.
   */
  authUserFromRow(ticket: number, row: AuthUserRow): AuthUser {
    // Frozen: with the cache on, one object serves many requests.
    const user: AuthUser = Object.freeze({
      id: row.id,
      username: row.username,
      email: row.email,
      isSuperuser: row.is_superuser,
      isStaff: row.is_staff,
      isActive: row.is_active,
    });
    this.authUsers?.set(ticket, row.id, user);
    return user;
  }

  async findCredentials(username: string): Promise<UserCredentials | null> {
    // PostgreSQL text cannot hold a NUL character, so no user has such a name; asking would be
    // an error (a 500) rather than the "unknown user" that sign-in answers like any other.
    if (username.includes('\u0000')) return null;
    const row = await this.users.findCredentialsRow(username);
    return row ? { id: row.id, isActive: row.is_active, passwordHash: row.password_hash } : null;
  }

  /** Numbers of the accounts the user has a profile in, in a locale-independent order. */
  accountNumbers(userId: number): Promise<string[]> {
    return this.accounts.numbersWhereMember(userId);
  }
}
