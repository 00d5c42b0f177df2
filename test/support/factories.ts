import argon2 from 'argon2';
import type { DataSource } from 'typeorm';

/**
 * Rows inserted straight into the database (never through the API under test), for tests
 * that need a few accounts, users, profiles and providers without a whole world file.
 */
export class Factories {
  private seq = 0;
  constructor(private readonly db: DataSource) {}

  async account(opts: { accountNumber?: string; name?: string; isPlatform?: boolean } = {}): Promise<number> {
    const n = ++this.seq;
    const [row] = await this.db.query(
      `INSERT INTO accounts (account_number, name, is_platform) VALUES ($1, $2, $3) RETURNING id`,
      [
        opts.accountNumber ?? `9000-0000-${String(n).padStart(4, '0')}`,
        opts.name ?? `Account ${n}`,
        opts.isPlatform ?? false,
      ],
    );
    return row.id;
  }

  /** A user whose password is `pw-<username>` (as in generated worlds); returns its id. */
  async user(
    opts: {
      username?: string;
      password?: string;
      isSuperuser?: boolean;
      isStaff?: boolean;
      isActive?: boolean;
      email?: string;
    } = {},
  ): Promise<number> {
    const username = opts.username ?? `user${++this.seq}`;
    const hash = await argon2.hash(opts.password ?? `pw-${username}`, {
      type: argon2.argon2id,
      memoryCost: 4096,
      timeCost: 2,
    });
    const [row] = await this.db.query(
      `INSERT INTO users (username, email, password_hash, is_superuser, is_staff, is_active)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [
        username,
        opts.email ?? `${username}@example.test`,
        hash,
        opts.isSuperuser ?? false,
        opts.isStaff ?? false,
        opts.isActive ?? true,
      ],
    );
    return row.id;
  }

  async profile(userId: number, accountId: number): Promise<number> {
    const [row] = await this.db.query(`INSERT INTO user_profiles (user_id, account_id) VALUES ($1, $2) RETURNING id`, [
      userId,
      accountId,
    ]);
    return row.id;
  }

  async provider(ownerProfileId: number, opts: { name?: string; baseUrl?: string | null } = {}): Promise<number> {
    const [row] = await this.db.query(
      `INSERT INTO providers (owner_profile_id, name, base_url) VALUES ($1, $2, $3) RETURNING id`,
      [
        ownerProfileId,
        opts.name ?? `provider${++this.seq}`,
        opts.baseUrl === undefined ? 'https://api.example.test/v1' : opts.baseUrl,
      ],
    );
    return row.id;
  }
}
