import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { ChangeAwareCache } from '../../database/change-aware-cache.js';
import { DataChangesService } from '../../database/data-changes.service.js';
import { TokenRevocationsRepository } from './token-revocations.repository.js';

/** The token a request presented, as far as revocation is concerned. */
export interface PresentedToken {
  userId: number;
  jti: string;
  /** `iat` and `exp`, in seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

interface UserRevocations {
  revokedJtis: ReadonlySet<string>;
  /** Tokens issued in or before this second are refused. */
  cutoffSecond: number | null;
}

/**
 * Signed-out tokens, refused by every instance. Each request's check is answered from memory
 * with the caches on: a revocation NOTIFYs its user's id (the SharedSignIn migration), which
 * drops that user's entry on every instance; with the caches off, or while the change
 * listener is down, it is one indexed query.
 */
@Injectable()
export class TokenRevocations {
  private readonly cache: ChangeAwareCache<number, UserRevocations> | null;

  constructor(
    private readonly revocations: TokenRevocationsRepository,
    private readonly config: AppConfig,
    changes: DataChangesService,
  ) {
    this.cache = config.providersCache
      ? new ChangeAwareCache<number, UserRevocations>(
          changes,
          { max: 100_000 },
          (change, entries) => {
            if (change.kind === 'user') entries.delete(change.userId);
          },
          undefined,
          // A platform account's providers changing signs no one out.
          () => {},
        )
      : null;
  }

  async isRevoked(token: PresentedToken): Promise<boolean> {
    const state = await this.stateOf(token.userId);
    if (state.revokedJtis.has(token.jti)) return true;
    return state.cutoffSecond !== null && token.issuedAt <= state.cutoffSecond;
  }

  revoke(token: PresentedToken): Promise<void> {
    return this.revocations.revoke(token.jti, token.userId, new Date(token.expiresAt * 1000));
  }

  /**
   * Every token the user holds now, wherever it was issued. `iat` counts whole seconds, so a
   * token signed in during that same second, just after, is refused as well.
   */
  revokeAll(userId: number): Promise<void> {
    return this.revocations.revokeAll(userId, this.config.JWT_EXPIRES_IN);
  }

  private async stateOf(userId: number): Promise<UserRevocations> {
    const cached = this.cache?.get(userId);
    if (cached) return cached;
    const ticket = this.cache?.ticket() ?? 0;
    const rows = await this.revocations.forUser(userId);
    const state: UserRevocations = {
      revokedJtis: new Set(rows.revokedJtis),
      cutoffSecond: rows.tokensValidAfter ? Math.floor(rows.tokensValidAfter.getTime() / 1000) : null,
    };
    this.cache?.set(ticket, userId, state);
    return state;
  }
}
