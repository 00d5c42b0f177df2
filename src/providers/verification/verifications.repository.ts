import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';
import type { ProviderStatus } from '../provider.entity.js';
import type { ProviderStatusRow } from '../lifecycle/provider-status.dto.js';
import type { CheckResult, ProviderUnderCheck } from './verification-checks.js';
import type { VerificationCheck } from './provider-verification.entity.js';

export interface VerificationRow {
  check: VerificationCheck;
  ok: boolean;
  message: string;
  checked_at: Date;
}

const STATUS_COLUMNS = 'id, status, is_active, is_verified, verified_at, tos_accepted_at';

/** The SQL of verification: its results, and the provider columns it reads and sets. */
@Injectable()
export class VerificationsRepository {
  constructor(private readonly db: DataSource) {}

  async lockStatus(manager: EntityManager, id: number): Promise<ProviderStatusRow | null> {
    const [row] = await manager.query(`SELECT ${STATUS_COLUMNS} FROM providers WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  /** What the checks read; null when the provider is gone. */
  async findUnderCheck(id: number): Promise<ProviderUnderCheck | null> {
    const [row] = await this.db.query(
      `SELECT base_url, connectivity_test_path, website_url, docs_url, terms_of_service_url, privacy_policy_url,
              tos_accepted_at, api_key_ciphertext
         FROM providers WHERE id = $1`,
      [id],
    );
    return row ?? null;
  }

  /** Sets the status alone (to `verifying`), as a write. */
  async setStatus(manager: EntityManager, id: number, status: ProviderStatus, userId: number | null): Promise<void> {
    await manager.query(
      `UPDATE providers SET status = $2, row_version = row_version + 1, updated_by = COALESCE($3, updated_by), updated_at = now()
        WHERE id = $1`,
      [id, status, userId],
    );
  }

  /**
   * Replaces the latest result of each check given. A provider deleted meanwhile gets none
   * (its results would go with it anyway).
   */
  async recordResults(manager: EntityManager, id: number, results: readonly CheckResult[]): Promise<void> {
    await manager.query(
      `INSERT INTO provider_verifications (provider_id, "check", ok, message, checked_at)
       SELECT $1, r.* , now() FROM unnest($2::varchar[], $3::boolean[], $4::text[]) AS r
        WHERE EXISTS (SELECT 1 FROM providers WHERE id = $1)
       ON CONFLICT (provider_id, "check") DO UPDATE
         SET ok = EXCLUDED.ok, message = EXCLUDED.message, checked_at = EXCLUDED.checked_at`,
      [id, results.map((r) => r.check), results.map((r) => r.ok), results.map((r) => r.message)],
    );
  }

  /** The outcome: verified (and when), or failed, which also deactivates. */
  async setOutcome(
    manager: EntityManager,
    id: number,
    passed: boolean,
    userId: number | null,
  ): Promise<ProviderStatusRow> {
    const [rows] = await manager.query(
      `UPDATE providers
          SET status = CASE WHEN $2 THEN 'verified' ELSE 'failed' END,
              is_verified = $2,
              verified_at = CASE WHEN $2 THEN now() ELSE verified_at END,
              is_active = CASE WHEN $2 THEN is_active ELSE false END,
              row_version = row_version + 1, updated_by = COALESCE($3, updated_by), updated_at = now()
        WHERE id = $1
        RETURNING ${STATUS_COLUMNS}`,
      [id, passed, userId],
    );
    return rows[0];
  }

  async latestResults(id: number): Promise<VerificationRow[]> {
    return this.db.query(`SELECT "check", ok, message, checked_at FROM provider_verifications WHERE provider_id = $1`, [
      id,
    ]);
  }

  /**
   * Active, verified providers whose last passed verification is older than `validDays`: the
   * ones the periodic job verifies again. Providers never verified are left alone.
   */
  async expiredIds(validDays: number): Promise<number[]> {
    const rows: { id: number }[] = await this.db.query(
      `SELECT id FROM providers
        WHERE is_active AND status = 'verified' AND verified_at < now() - make_interval(days => $1)
        ORDER BY id`,
      [validDays],
    );
    return rows.map((r) => r.id);
  }
}
