import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** What has been signed out of one user's tokens. */
export interface RevocationRows {
  revokedJtis: string[];
  /** Tokens issued at or before this moment are refused (POST /auth/logout-all). */
  tokensValidAfter: Date | null;
}

/** Every SQL of signed-out tokens (tables revoked_tokens and user_token_cutoffs). */
@Injectable()
export class TokenRevocationsRepository {
  constructor(private readonly db: DataSource) {}

  async forUser(userId: number): Promise<RevocationRows> {
    const rows: { jtis: string[]; tokens_valid_after: Date | null }[] = await this.db.query(
      `SELECT ARRAY(SELECT jti FROM revoked_tokens WHERE user_id = $1 AND expires_at > now())::text[] AS jtis,
              (SELECT tokens_valid_after FROM user_token_cutoffs WHERE user_id = $1) AS tokens_valid_after`,
      [userId],
    );
    return { revokedJtis: rows[0].jtis, tokensValidAfter: rows[0].tokens_valid_after };
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
