import { Column, Entity, JoinColumn, ManyToOne, PrimaryColumn, type Relation } from 'typeorm';
import { Provider } from '../provider.entity.js';

/** The checks a verification runs, in the order they are reported. */
export const VERIFICATION_CHECKS = [
  'connectivity',
  'website_url',
  'docs_url',
  'terms_of_service_url',
  'privacy_policy_url',
  'terms_accepted',
  'api_key',
] as const;
export type VerificationCheck = (typeof VERIFICATION_CHECKS)[number];

/** The latest result of one check of one provider. */
@Entity({ name: 'provider_verifications' })
export class ProviderVerification {
  @PrimaryColumn({ name: 'provider_id', type: 'integer' })
  providerId: number;

  @ManyToOne(() => Provider, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'provider_id', foreignKeyConstraintName: 'provider_verifications_provider_id_fkey' })
  provider: Relation<Provider>;

  @PrimaryColumn({ type: 'varchar', length: 32 })
  check: VerificationCheck;

  @Column({ type: 'boolean' })
  ok: boolean;

  @Column({ type: 'text', default: '' })
  message: string;

  @Column({ name: 'checked_at', type: 'timestamptz', default: () => 'now()' })
  checkedAt: Date;
}
