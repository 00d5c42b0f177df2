import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { AuthUserRow } from '../../users/users.repository.js';

/** What has been signed out of one user's tokens. */
export interface RevocationRows {
  revokedJtis: string[];
  /** Tokens issued at or before this moment are refused (POST /auth/logout-all). */
  tokensValidAfter: Date | null;
}

/** A user's row as the per-request check reads it, with what they have signed out. */
export interface UserWithRevocationsRow {
  user: AuthUserRow;
  revocations: RevocationRows;
}

/**
 * Every SQL of signed-out tokens (tables revoked_tokens and user_token_cutoffs), the
 * per-request read of them with their user's row included: it is here rather than in
 * UsersRepository because auth/ builds on users/, and users/ knows nothing of sign-outs.
 */
@Injectable()
export class TokenRevocationsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The per-request check's one read (AuthUserCheck): the user's row, the same columns as
   * UsersRepository.findAuthUserRow, with the tokens they signed out that have not expired
   * yet and their cutoff; no row when there is no such user. One round trip, one pool
   * connection, instead of one query for the user and one for their sign-outs.
   */
  async userWithRevocations(userId: number): Promise<UserWithRevocationsRow | null> {
    const rows: (AuthUserRow & { revoked_jtis: string[]; tokens_valid_after: Date | null })[] = await this.db.query(
      `SELECT u.id, u.username, u.email, u.is_superuser, u.is_staff, u.is_active,
              ARRAY(SELECT r.jti FROM revoked_tokens r WHERE r.user_id = u.id AND r.expires_at > now())::text[]
                AS revoked_jtis,
              c.tokens_valid_after
       FROM users u LEFT JOIN user_token_cutoffs c ON c.user_id = u.id
       WHERE u.id = $1`,
      [userId],
    );
    if (rows.length === 0) return null;
    const { revoked_jtis, tokens_valid_after, ...user } = rows[0];
    return { user, revocations: { revokedJtis: revoked_jtis, tokensValidAfter: tokens_valid_after } };
  }

  /** Revokes one token until it expires; rows of tokens that have expired since go at the same time. */
  async revoke(jti: string, userId: number, expiresAt: Date): Promise<void> {
    await this.db.query(`DELETE FROM revoked_tokens WHERE expires_at <= now()`);
    await this.db.query(
      `INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ($1, $2, $3) ON CONFLICT (jti) DO NOTHING`,
      [jti, userId, expiresAt],
    );
  }

  /**
   * Refuses every token the user holds now. A cutoff older than a token's lifetime refuses
   * nothing that is still valid, so those rows go at the same time.
   */
  async revokeAll(userId: number, tokenLifetimeSeconds: number): Promise<void> {
    await this.db.query(`DELETE FROM user_token_cutoffs WHERE tokens_valid_after < now() - make_interval(secs => $1)`, [
      tokenLifetimeSeconds,
    ]);
    await this.db.query(
      `INSERT INTO user_token_cutoffs (user_id, tokens_valid_after) VALUES ($1, now())
       ON CONFLICT (user_id) DO UPDATE SET tokens_valid_after = excluded.tokens_valid_after`,
      [userId],
    );
  }
}
