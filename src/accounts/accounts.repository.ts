import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/** Every SQL of the accounts aggregate. */
@Injectable()
export class AccountsRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * Numbers of the accounts the user has a profile in, sorted byte-wise (COLLATE "C") so the
   * order does not depend on the database's locale.
   */
  async numbersWhereMember(userId: number): Promise<string[]> {
    const rows: { account_number: string }[] = await this.db.query(
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
