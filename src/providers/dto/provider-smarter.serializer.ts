import type { ProviderSmarterRow } from '../providers.repository.js';
import type { ProviderSmarterDto } from './provider-smarter.dto.js';

/**
 * A row in Smarter's representation, field by field, so that a column added to the query
 * never reaches a response by accident. What the service does not keep (logo, tags,
 * annotations, flags, ownership requests, email verification) has a fixed value of the type
 * Smarter's app expects. A few absent values are "" rather than null where the app cannot
 * take a null: it filters out a provider whose baseUrl is not a string, and calls a string
 * method on the timestamps its details panel formats.
 */
export function toSmarterProvider(row: ProviderSmarterRow): ProviderSmarterDto {
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    version: String(row.row_version),
    status: row.status,
    rfc1034CompliantName: row.slug,
    isDefault: row.is_default,
    defaultModel: row.default_model,
    baseUrl: row.base_url ?? '',
    connectivityTestPath: row.connectivity_test_path,
    logo: null,
    websiteUrl: row.website_url,
    docsUrl: row.docs_url,
    termsOfServiceUrl: row.terms_of_service_url,
    privacyPolicyUrl: row.privacy_policy_url,
    isActive: row.is_active,
    isVerified: row.is_verified,
    isFeatured: row.is_featured,
    isOfficialProvider: row.is_official,
    isDeprecated: row.status === 'deprecated',
    isFlagged: false,
    isSuspended: row.status === 'suspended',
    apiKey: { name: row.has_api_key ? `…${row.api_key_last4 ?? ''}` : null },
    userProfile: {
      account: { accountNumber: row.account_number },
      user: { username: row.owner_username, email: row.owner_email },
    },
    tosAccepted: row.tos_accepted_at !== null,
    tosAcceptedBy: { username: row.tos_username, email: row.tos_email },
    tosAcceptedAt: row.tos_accepted_at ?? '',
    ownershipRequested: null,
    contactEmail: row.contact_email,
    contactEmailVerified: '',
    supportEmail: row.support_email,
    supportEmailVerified: '',
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    tags: [],
    annotations: [],
  };
}

/** One item of the list, as serializeSmarterList writes it between the commas. */
export function serializeSmarterProvider(row: ProviderSmarterRow): string {
  return JSON.stringify(toSmarterProvider(row));
}

/** `{"providers":[...]}` in Smarter's format: the envelope its app accepts, as the mini list's. */
export function serializeSmarterList(rows: readonly ProviderSmarterRow[]): string {
  return JSON.stringify({ providers: rows.map(toSmarterProvider) });
}

/** One batch of a streamed answer, between PROVIDERS_LIST_OPEN and PROVIDERS_LIST_CLOSE. */
export function serializeSmarterBatch(rows: readonly ProviderSmarterRow[], first: boolean): string {
  const items = JSON.stringify(rows.map(toSmarterProvider)).slice(1, -1);
  return first || items.length === 0 ? items : `,${items}`;
}
