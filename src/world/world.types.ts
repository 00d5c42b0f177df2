/**
 * A world file as written (version 1): optional fields may be absent. docs/world-format.md
 * describes it; world-schema.ts is its machine-checked shape.
 */
export interface WorldFile {
  version: 1;
  accounts: WorldFileAccount[];
  users: WorldFileUser[];
  providers: WorldFileProvider[];
}

export interface WorldFileAccount {
  accountNumber: string;
  name: string;
  isPlatform?: boolean;
}

export interface WorldFileUser {
  username: string;
  email?: string;
  /** Plaintext in the file; only its argon2id hash is ever stored. */
  password: string;
  isSuperuser?: boolean;
  isStaff?: boolean;
  isActive?: boolean;
  /** Account numbers the user has a profile in: the complete set. */
  accounts?: string[];
}

export interface WorldFileProvider {
  name: string;
  baseUrl?: string | null;
  description?: string;
  isActive?: boolean;
  isVerified?: boolean;
  defaultModel?: string;
  /** Relative to baseUrl, e.g. `models`. */
  connectivityTestPath?: string;
  websiteUrl?: string | null;
  docsUrl?: string | null;
  termsOfServiceUrl?: string | null;
  privacyPolicyUrl?: string | null;
  contactEmail?: string | null;
  supportEmail?: string | null;
  status?: WorldProviderStatus;
  isFeatured?: boolean;
  /** The account's default provider: at most one per account. */
  isDefault?: boolean;
  owner: WorldOwner;
}

export type WorldProviderStatus = 'unverified' | 'verifying' | 'verified' | 'failed' | 'suspended' | 'deprecated';

/** The provider record's fields beyond the first version's, all optional. */
export type WorldProviderRecordFields = Pick<
  WorldFileProvider,
  | 'defaultModel'
  | 'connectivityTestPath'
  | 'websiteUrl'
  | 'docsUrl'
  | 'termsOfServiceUrl'
  | 'privacyPolicyUrl'
  | 'contactEmail'
  | 'supportEmail'
  | 'status'
  | 'isFeatured'
  | 'isDefault'
>;

/** What the importer writes for a record field a provider leaves out (the columns' defaults). */
export const PROVIDER_RECORD_DEFAULTS: Required<WorldProviderRecordFields> = {
  defaultModel: '',
  connectivityTestPath: '',
  websiteUrl: null,
  docsUrl: null,
  termsOfServiceUrl: null,
  privacyPolicyUrl: null,
  contactEmail: null,
  supportEmail: null,
  status: 'unverified',
  isFeatured: false,
  isDefault: false,
};

export interface WorldOwner {
  username: string;
  accountNumber: string;
}

/** A validated world with every default filled in: what the importer writes. */
export interface World {
  accounts: Required<WorldFileAccount>[];
  users: Required<WorldFileUser>[];
  providers: WorldProvider[];
}

/** A provider with the first version's defaults filled in; the record's fields as written. */
export type WorldProvider = Required<Omit<WorldFileProvider, 'baseUrl' | keyof WorldProviderRecordFields>> & {
  baseUrl: string | null;
} & WorldProviderRecordFields;

/**
 * A provider's record fields, each given its default when the file leaves it out. A provider
 * the file marks verified, without a status, is `verified`: the two never disagree after an import.
 */
export function recordFieldsWithDefaults(
  p: WorldProviderRecordFields & { isVerified?: boolean },
): Required<WorldProviderRecordFields> {
  const filled = {
    ...PROVIDER_RECORD_DEFAULTS,
    status: p.isVerified ? ('verified' as const) : ('unverified' as const),
  };
  for (const key of Object.keys(PROVIDER_RECORD_DEFAULTS) as (keyof WorldProviderRecordFields)[]) {
    if (p[key] !== undefined) Object.assign(filled, { [key]: p[key] });
  }
  return filled;
}

/** One thing wrong with a world file, at a JSON path such as `providers[12].owner.accountNumber`. */
export interface WorldProblem {
  path: string;
  message: string;
}
