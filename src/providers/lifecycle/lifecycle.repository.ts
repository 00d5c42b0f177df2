import { Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import type { ProviderStatus } from '../provider.entity.js';
import type { ProviderStatusRow } from './provider-status.dto.js';

const STATUS_COLUMNS = 'id, status, is_active, is_verified, verified_at, tos_accepted_at';

/** The lifecycle columns of a provider that a state change sets; unset ones are kept. */
export interface StatusChange {
  status?: ProviderStatus;
  isActive?: boolean;
}

/** The SQL of state changes; each runs inside its caller's transaction. */
@Injectable()
export class LifecycleRepository {
  /** The provider's lifecycle columns, its row locked until the transaction ends; null when it is gone. */
  async lockStatus(manager: EntityManager, id: number): Promise<ProviderStatusRow | null> {
    const [row] = await manager.query(`SELECT ${STATUS_COLUMNS} FROM providers WHERE id = $1 FOR UPDATE`, [id]);
    return row ?? null;
  }

  /** Applies the change and counts it as a write (row_version, updated_by, updated_at). */
  async apply(manager: EntityManager, id: number, change: StatusChange, userId: number): Promise<ProviderStatusRow> {
    const [rows] = await manager.query(
      `UPDATE providers
          SET status = COALESCE($2, status), is_active = COALESCE($3, is_active),
              row_version = row_version + 1, updated_by = $4, updated_at = now()
        WHERE id = $1
        RETURNING ${STATUS_COLUMNS}`,
      [id, change.status ?? null, change.isActive ?? null, userId],
    );
    return rows[0];
  }
}
