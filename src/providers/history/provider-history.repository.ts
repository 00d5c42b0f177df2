import { Injectable } from '@nestjs/common';
import { DataSource, type EntityManager } from 'typeorm';

/** The actions a history row can record (provider_history.action). */
export type HistoryAction =
  | 'create'
  | 'update'
  | 'delete'
  | 'api_key_set'
  | 'api_key_cleared'
  | 'terms_accepted'
  | 'activate'
  | 'deactivate'
  | 'suspend'
  | 'unsuspend'
  | 'deprecate'
  | 'verification';

/** One change to record. An API key is recorded as the text "changed", never as a value. */
export interface HistoryEntry {
  providerId: number;
  changedBy: number | null;
  action: HistoryAction;
  field?: string | null;
  oldValue?: string | null;
  newValue?: string | null;
}

export interface HistoryRow {
  id: string;
  provider_id: number;
  changed_by: number | null;
  changed_by_username: string | null;
  changed_at: Date;
  action: HistoryAction;
  field: string | null;
  old_value: string | null;
  new_value: string | null;
}

/**
 * Who changed what on a provider. Writers pass the EntityManager of their transaction, so that
 * a change and its history rows are committed together or not at all.
 */
@Injectable()
export class ProviderHistoryRepository {
  constructor(private readonly db: DataSource) {}

  async append(manager: EntityManager, entries: readonly HistoryEntry[]): Promise<void> {
    if (entries.length === 0) return;
    await manager.query(
      `INSERT INTO provider_history (provider_id, changed_by, action, field, old_value, new_value)
       SELECT * FROM unnest($1::int[], $2::int[], $3::varchar[], $4::varchar[], $5::text[], $6::text[])`,
      [
        entries.map((e) => e.providerId),
        entries.map((e) => e.changedBy),
        entries.map((e) => e.action),
        entries.map((e) => e.field ?? null),
        entries.map((e) => e.oldValue ?? null),
        entries.map((e) => e.newValue ?? null),
      ],
    );
  }

  /** Newest first; `before` is the id of the last row of the previous page (keyset pagination). */
  async listFor(providerId: number, limit: number, before?: string): Promise<HistoryRow[]> {
    return this.db.query(
      `SELECT h.id::text AS id, h.provider_id, h.changed_by, u.username AS changed_by_username, h.changed_at,
              h.action, h.field, h.old_value, h.new_value
         FROM provider_history h
         LEFT JOIN users u ON u.id = h.changed_by
        WHERE h.provider_id = $1 AND ($3::bigint IS NULL OR h.id < $3::bigint)
        ORDER BY h.id DESC
        LIMIT $2`,
      [providerId, limit, before ?? null],
    );
  }
}
