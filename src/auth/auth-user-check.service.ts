import { Injectable, Logger } from '@nestjs/common';
import type { AuthUser } from '../users/auth-user.js';
import { UsersService } from '../users/users.service.js';
import type { VerifiedCredential } from './authenticator.js';
import { TokenRevocationsRepository } from './revocation/token-revocations.repository.js';
import {
  presentedTokenOf,
  TokenRevocations,
  type PresentedToken,
  type UserRevocations,
} from './revocation/token-revocations.service.js';

interface UserState {
  user: AuthUser;
  /** Null when the credential cannot be signed out, so that there is nothing to compare. */
  revocations: UserRevocations | null;
}

/**
 * The guard's per-request check of the user a verified credential names: still there, active,
 * and (for a token) not signed out. Both halves come from their caches (UsersService's and
 * TokenRevocations', each invalidated by the database's change notifications) when both hold
 * the user; otherwise, and always with the caches off, from one query that reads the user's
 * row with their sign-outs, and each cache keeps its half.
 */
@Injectable()
export class AuthUserCheck {
  private readonly logger = new Logger(AuthUserCheck.name);

  constructor(
    private readonly users: UsersService,
    private readonly revocations: TokenRevocations,
    private readonly repository: TokenRevocationsRepository,
  ) {}

  /**
   * The signed-in user, or null to refuse the credential. Rejects when the database fails, so
   * that the answer is 503, not 401.
   */
  async userFor(credential: VerifiedCredential): Promise<AuthUser | null> {
    const token = presentedTokenOf(credential);
    const state = this.cached(credential.userId, token) ?? (await this.read(credential.userId));
    if (!state?.user.isActive) {
      this.logger.debug('Token rejected: user unknown or inactive');
      return null;
    }
    if (token && state.revocations && this.revocations.refuses(state.revocations, token)) {
      this.logger.debug('Token rejected: signed out');
      return null;
    }
    return state.user;
  }

  /** Both halves from memory, or null when either is missing. */
  private cached(userId: number, token: PresentedToken | null): UserState | null {
    const user = this.users.cachedAuthUser(userId);
    if (!user) return null;
    if (!token) return { user, revocations: null };
    const revocations = this.revocations.cached(userId);
    return revocations ? { user, revocations } : null;
  }

  /**
   * Both halves in one round trip. Each cache's ticket is taken before the read, so that a
   * change that arrives while it runs keeps that (now maybe stale) half out of its cache.
   */
  private async read(userId: number): Promise<UserState | null> {
    const userTicket = this.users.authUserTicket();
    const revocationsTicket = this.revocations.ticket();
    const row = await this.repository.userWithRevocations(userId);
    if (!row) return null;
    return {
      user: this.users.authUserFromRow(userTicket, row.user),
      revocations: this.revocations.fromRows(revocationsTicket, userId, row.revocations),
    };
  }
}
