import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { queryInBatches } from '../../database/query-cursor.js';
import { NO_ACCESS, type AccessScope } from '../../permissions/access-scopes.js';

/**
 * A provider as the passthrough screen needs it: enough to choose one, say whether it can be
 * sent to and why not, and prefill the request. Never the key, only whether there is one.
 */
export interface PickerRow {
  id: number;
  name: string;
  base_url: string | null;
  default_model: string;
  docs_url: string | null;
  status: string;
  is_active: boolean;
  is_default: boolean;
  has_api_key: boolean;
  verified_at: Date | null;
}

/** The picker's one query: the providers within a scope (the read rule), by id. */
function pickerQuery(scope: AccessScope): string {
  return `SELECT p.id, p.name, p.base_url, p.default_model, p.docs_url, p.status, p.is_active, p.is_default,
                 (p.api_key_ciphertext IS NOT NULL) AS has_api_key, p.verified_at
            FROM providers p
           WHERE ${scope.where}
           ORDER BY p.id`;
}

@Injectable()
export class PickerRepository {
  constructor(private readonly db: DataSource) {}

  async findPickable(scope: AccessScope): Promise<PickerRow[]> {
    if (scope === NO_ACCESS) return [];
    return this.db.query(pickerQuery(scope), [...scope.params]);
  }

  /** The same rows, in batches from a cursor: for a superuser, whose answer is the whole table. */
  async *findPickableInBatches(scope: AccessScope, batchSize: number): AsyncGenerator<PickerRow[]> {
    if (scope === NO_ACCESS) return;
    yield* queryInBatches<PickerRow>(this.db, pickerQuery(scope), scope.params, batchSize);
  }
}
