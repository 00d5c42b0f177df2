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
  owner: WorldOwner;
}

export interface WorldOwner {
  username: string;
  accountNumber: string;
}

/** A validated world with every default filled in: what the importer writes. */
export interface World {
  accounts: Required<WorldFileAccount>[];
  users: Required<WorldFileUser>[];
  providers: (Required<Omit<WorldFileProvider, 'baseUrl'>> & { baseUrl: string | null })[];
}

/** One thing wrong with a world file, at a JSON path such as `providers[12].owner.accountNumber`. */
export interface WorldProblem {
  path: string;
  message: string;
}
