import { Injectable } from '@nestjs/common';
import { AppConfig } from '../../config/app-config.js';
import { perUserCache, type ChangeAwareCache } from '../../database/change-aware-cache.js';
import { DataChangesService } from '../../database/data-changes.service.js';
import type { VerifiedCredential } from '../authenticator.js';
import { TokenRevocationsRepository, type RevocationRows } from './token-revocations.repository.js';

/** The token a request presented, as far as revocation is concerned. */
export interface PresentedToken {
  userId: number;
  jti: string;
  /** `iat` and `exp`, in seconds since the epoch. */
  issuedAt: number;
  expiresAt: number;
}

/** What one user has signed out, as each request's check compares a token with it. */
export interface UserRevocations {
  revokedJtis: ReadonlySet<string>;
  /** Tokens issued in or before this second are refused. */
  cutoffSecond: number | null;
}

/** A verified credential that can be signed out, as revocation knows it; null for one that cannot. */
export function presentedTokenOf(credential: VerifiedCredential): PresentedToken | null {
  const { userId, credentialId: jti, issuedAt, expiresAt } = credential;
  return issuedAt !== undefined && expiresAt !== undefined ? { userId, jti, issuedAt, expiresAt } : null;
}

/**
 * Signed-out tokens, refused by every instance. Each request's check is answered from memory
 * with the caches on: a revocation NOTIFYs its user's id (the SharedSignIn migration), which
 * drops that user's entry on every instance; with the caches off, or while the change
 * listener is down, it is read with the user's row in the request's one query (AuthUserCheck).
 */
@Injectable()
export class TokenRevocations {
  private readonly cache: ChangeAwareCache<number, UserRevocations> | null;

  constructor(
    private readonly revocations: TokenRevocationsRepository,
    private readonly config: AppConfig,
    changes: DataChangesService,
  ) {
    this.cache = config.providersCache ? perUserCache<UserRevocations>(changes) : null;
  }

  /** The user's sign-outs, when the cache holds them and may be trusted; undefined otherwise. */
  cached(userId: number): UserRevocations | undefined {
    return this.cache?.get(userId);
  }

  /** Take before reading a user's sign-outs; hand it back to `fromRows`. */
  ticket(): number {
    return this.cache?.ticket() ?? 0;
  }

  /**
   * The sign-outs in rows read after `ticket`, kept for the next requests unless a change
   * arrived since the ticket was taken.
   */
  fromRows(ticket: number, userId: number, rows: RevocationRows): UserRevocations {
    const state: UserRevocations = {
      revokedJtis: new Set(rows.revokedJtis),
      cutoffSecond: rows.tokensValidAfter ? Math.floor(rows.tokensValidAfter.getTime() / 1000) : null,
    };
    this.cache?.set(ticket, userId, state);
    return state;
  }

  /** Whether the token is one of those signed out, by its id or by the user's cutoff. */
  refuses(state: UserRevocations, token: PresentedToken): boolean {
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
}
