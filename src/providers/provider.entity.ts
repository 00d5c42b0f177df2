import {
  Check,
  Column,
  CreateDateColumn,
  Entity,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  UpdateDateColumn,
  type Relation,
} from 'typeorm';
import { User } from '../users/user.entity.js';
import { UserProfile } from '../users/user-profile.entity.js';

/** Where a provider is in its life: verification outcomes, then moderation by a superuser. */
export const PROVIDER_STATUSES = ['unverified', 'verifying', 'verified', 'failed', 'suspended', 'deprecated'] as const;
export type ProviderStatus = (typeof PROVIDER_STATUSES)[number];

@Entity({ name: 'providers' })
@Unique('providers_owner_profile_name_key', ['ownerProfileId', 'name'])
@Check(
  'providers_status_check',
  `status IN ('unverified', 'verifying', 'verified', 'failed', 'suspended', 'deprecated')`,
)
export class Provider {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  // The unique (owner_profile_id, name) index also serves the read query's
  // lookup of providers by owner profile, so no separate index is needed.
  @Column({ name: 'owner_profile_id', type: 'integer' })
  ownerProfileId: number;

  // RESTRICT: removing a profile must not silently delete the providers (and so
  // the API keys) a team relies on; move or delete them first.
  @ManyToOne(() => UserProfile, { onDelete: 'RESTRICT' })
  @JoinColumn({ name: 'owner_profile_id', foreignKeyConstraintName: 'providers_owner_profile_id_fkey' })
  ownerProfile: Relation<UserProfile>;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  @Column({ type: 'text', default: '' })
  description: string;

  @Column({ name: 'base_url', type: 'varchar', length: 2048, nullable: true })
  baseUrl: string | null;

  @Column({ name: 'is_active', type: 'boolean', default: true })
  isActive: boolean;

  @Column({ name: 'is_verified', type: 'boolean', default: false })
  isVerified: boolean;

  @Column({ name: 'default_model', type: 'varchar', length: 200, default: '' })
  defaultModel: string;

  @Column({ name: 'connectivity_test_path', type: 'varchar', length: 2048, default: '' })
  connectivityTestPath: string;

  @Column({ name: 'website_url', type: 'varchar', length: 2048, nullable: true })
  websiteUrl: string | null;

  @Column({ name: 'docs_url', type: 'varchar', length: 2048, nullable: true })
  docsUrl: string | null;

  @Column({ name: 'terms_of_service_url', type: 'varchar', length: 2048, nullable: true })
  termsOfServiceUrl: string | null;

  @Column({ name: 'privacy_policy_url', type: 'varchar', length: 2048, nullable: true })
  privacyPolicyUrl: string | null;

  @Column({ name: 'contact_email', type: 'varchar', length: 254, nullable: true })
  contactEmail: string | null;

  @Column({ name: 'support_email', type: 'varchar', length: 254, nullable: true })
  supportEmail: string | null;

  @Column({ type: 'varchar', length: 16, default: 'unverified' })
  status: ProviderStatus;

  @Column({ name: 'is_featured', type: 'boolean', default: false })
  isFeatured: boolean;

  @Column({ name: 'is_default', type: 'boolean', default: false })
  isDefault: boolean;

  @Column({ name: 'tos_accepted_at', type: 'timestamptz', nullable: true })
  tosAcceptedAt: Date | null;

  @Column({ name: 'tos_accepted_by', type: 'integer', nullable: true })
  tosAcceptedById: number | null;

  // SET NULL on the user columns: deleting a user keeps the providers they touched.
  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'tos_accepted_by', foreignKeyConstraintName: 'providers_tos_accepted_by_fkey' })
  tosAcceptedBy: Relation<User> | null;

  @Column({ name: 'created_by', type: 'integer', nullable: true })
  createdById: number | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'created_by', foreignKeyConstraintName: 'providers_created_by_fkey' })
  createdBy: Relation<User> | null;

  @Column({ name: 'updated_by', type: 'integer', nullable: true })
  updatedById: number | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'updated_by', foreignKeyConstraintName: 'providers_updated_by_fkey' })
  updatedBy: Relation<User> | null;

  @Column({ name: 'verified_at', type: 'timestamptz', nullable: true })
  verifiedAt: Date | null;

  /** Bumped by every write; the ETag is made from it, and a PATCH with a stale one is refused. */
  @Column({ name: 'row_version', type: 'integer', default: 1 })
  rowVersion: number;

  /** A SecretsService envelope, never the key itself; never leaves the service. */
  @Column({ name: 'api_key_ciphertext', type: 'text', nullable: true })
  apiKeyCiphertext: string | null;

  @Column({ name: 'api_key_last4', type: 'varchar', length: 4, nullable: true })
  apiKeyLast4: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
