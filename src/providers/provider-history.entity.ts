import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { User } from '../users/user.entity.js';

/**
 * One change to one provider: who, when, which action, and for a field its old and new value
 * (an API key is recorded as "changed", never as a value). No foreign key to providers: the
 * history of a deleted provider is kept.
 */
@Entity({ name: 'provider_history' })
@Index('provider_history_provider_idx', ['providerId', 'changedAt', 'id'])
export class ProviderHistory {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id: string;

  @Column({ name: 'provider_id', type: 'integer' })
  providerId: number;

  @Column({ name: 'changed_by', type: 'integer', nullable: true })
  changedById: number | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'changed_by', foreignKeyConstraintName: 'provider_history_changed_by_fkey' })
  changedBy: Relation<User> | null;

  @Column({ name: 'changed_at', type: 'timestamptz', default: () => 'now()' })
  changedAt: Date;

  @Column({ type: 'varchar', length: 32 })
  action: string;

  @Column({ type: 'varchar', length: 64, nullable: true })
  field: string | null;

  @Column({ name: 'old_value', type: 'text', nullable: true })
  oldValue: string | null;

  @Column({ name: 'new_value', type: 'text', nullable: true })
  newValue: string | null;
}
