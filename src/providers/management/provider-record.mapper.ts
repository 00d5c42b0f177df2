import type { HistoryRow } from '../history/provider-history.repository.js';
import type { HistoryEntryDto, ProviderRecordDto } from './dto/provider-record.dto.js';
import type { ProviderRecordRow } from './provider-records.repository.js';

/** Field by field, so that a column added to the query never reaches a response by accident. */
export function toProviderRecordDto(row: ProviderRecordRow): ProviderRecordDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    base_url: row.base_url,
    default_model: row.default_model,
    connectivity_test_path: row.connectivity_test_path,
    website_url: row.website_url,
    docs_url: row.docs_url,
    terms_of_service_url: row.terms_of_service_url,
    privacy_policy_url: row.privacy_policy_url,
    contact_email: row.contact_email,
    support_email: row.support_email,
    status: row.status,
    is_active: row.is_active,
    is_verified: row.is_verified,
    is_featured: row.is_featured,
    is_default: row.is_default,
    has_api_key: row.has_api_key,
    api_key_last4: row.api_key_last4,
    tos_accepted_at: iso(row.tos_accepted_at),
    tos_accepted_by: row.tos_accepted_by,
    account_number: row.account_number,
    owner: row.owner,
    created_by: row.created_by,
    updated_by: row.updated_by,
    verified_at: iso(row.verified_at),
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    row_version: row.row_version,
  };
}

export function toHistoryEntryDto(row: HistoryRow): HistoryEntryDto {
  return {
    id: row.id,
    changed_at: new Date(row.changed_at).toISOString(),
    changed_by: row.changed_by_username,
    action: row.action,
    field: row.field,
    old_value: row.old_value,
    new_value: row.new_value,
  };
}

function iso(value: Date | null): string | null {
  return value === null ? null : value.toISOString();
}
