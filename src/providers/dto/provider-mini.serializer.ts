import { plainToInstance } from 'class-transformer';
import type { ProviderMiniRow } from '../providers.repository.js';
import { ProviderMiniDto } from './provider-mini.dto.js';

/**
 * The fields ProviderMiniDto exposes, in its order, learnt once from class-transformer itself,
 * so that the DTO's @Expose() decorators stay the one whitelist of what leaves the service.
 */
export const PROVIDER_MINI_FIELDS = Object.freeze(
  Object.keys(plainToInstance(ProviderMiniDto, {}, { excludeExtraneousValues: true, exposeUnsetFields: true })),
) as readonly (keyof ProviderMiniDto)[];

/**
 * `{"providers":[...]}` for these rows, exactly as `JSON.stringify(plainToInstance(
 * ProvidersListDto, { providers: rows }, { excludeExtraneousValues: true }))` would write it
 * (a test holds the two equal), without building a class instance per row: on the hot path
 * that costs ~20× the rest of the serialization (1.2 ms against 0.06 ms for 200 rows).
 */
export function serializeProvidersList(rows: readonly ProviderMiniRow[]): string {
  return JSON.stringify({ providers: rows.map(toProviderMini) });
}

/**
 * The list's JSON in pieces, for answers streamed batch by batch: the pieces of all the
 * batches, in order, join into exactly serializeProvidersList of all the rows.
 */
export const PROVIDERS_LIST_OPEN = '{"providers":[';
export const PROVIDERS_LIST_CLOSE = ']}';
export function serializeProvidersBatch(rows: readonly ProviderMiniRow[], first: boolean): string {
  const items = JSON.stringify(rows.map(toProviderMini)).slice(1, -1);
  return first || items.length === 0 ? items : `,${items}`;
}

/** One item of the list, as serializeProvidersList writes it between the commas. */
export function serializeProviderMini(row: ProviderMiniRow): string {
  return JSON.stringify(toProviderMini(row));
}

function toProviderMini(row: ProviderMiniRow): Record<string, unknown> {
  const mini: Record<string, unknown> = {};
  for (const field of PROVIDER_MINI_FIELDS) mini[field] = row[field];
  return mini;
}
