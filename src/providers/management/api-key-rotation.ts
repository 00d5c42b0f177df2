import type { DataSource } from 'typeorm';
import type { SecretsService } from '../../secrets/secrets.service.js';

export interface RotationSummary {
  /** Keys looked at (every provider with a key). */
  examined: number;
  /** Re-encrypted under SECRETS_KEY. */
  rotated: number;
  /** Ids of the providers whose key could not be opened with SECRETS_KEY or SECRETS_KEY_PREVIOUS: left as they were. */
  unreadable: number[];
}

/**
 * Re-encrypts every stored API key that was sealed under another key than SECRETS_KEY, a batch
 * of providers at a time, each batch in its own transaction with its rows locked, so that an
 * API write to a key during the rotation is neither lost nor overwritten with the old value.
 * The row version is kept: the record a client read has not changed, only how it is stored.
 * Safe to run again: a second run finds nothing to do.
 */
export async function rotateApiKeys(
  db: DataSource,
  secrets: SecretsService,
  options: { batchSize?: number; onBatch?: (summary: RotationSummary) => void } = {},
): Promise<RotationSummary> {
  const batchSize = options.batchSize ?? 500;
  const summary: RotationSummary = { examined: 0, rotated: 0, unreadable: [] };
  let afterId = 0;
  for (;;) {
    const last = await db.transaction(async (manager) => {
      const rows: { id: number; api_key_ciphertext: string }[] = await manager.query(
        `SELECT id, api_key_ciphertext FROM providers
          WHERE api_key_ciphertext IS NOT NULL AND id > $1
          ORDER BY id LIMIT $2
            FOR UPDATE`,
        [afterId, batchSize],
      );
      const rotated: { id: number; envelope: string }[] = [];
      for (const row of rows) {
        summary.examined++;
        if (!secrets.needsRotation(row.api_key_ciphertext)) continue;
        let plaintext: string;
        try {
          plaintext = secrets.decrypt(row.api_key_ciphertext);
        } catch {
          summary.unreadable.push(row.id);
          continue;
        }
        rotated.push({ id: row.id, envelope: secrets.encrypt(plaintext) });
      }
      if (rotated.length > 0) {
        await manager.query(
          `UPDATE providers p SET api_key_ciphertext = t.envelope
             FROM unnest($1::int[], $2::text[]) AS t(id, envelope)
            WHERE p.id = t.id`,
          [rotated.map((r) => r.id), rotated.map((r) => r.envelope)],
        );
      }
      summary.rotated += rotated.length;
      return rows.length === 0 ? undefined : rows[rows.length - 1].id;
    });
    if (last === undefined) return summary;
    afterId = last;
    options.onBatch?.(summary);
  }
}
