import {
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
import { UserProfile } from '../users/user-profile.entity.js';

@Entity({ name: 'providers' })
@Unique('providers_owner_profile_name_key', ['ownerProfileId', 'name'])
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

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
