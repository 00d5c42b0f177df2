import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryGeneratedColumn, type Relation } from 'typeorm';
import { User } from '../users/user.entity.js';

/**
 * One passthrough call (migration 1764800000000-PromptUsage): figures only, never the prompt or
 * the answer. `upstreamStatus` is null when no answer came (refused, timed out, aborted).
 */
@Entity({ name: 'prompt_usage' })
@Index('prompt_usage_user_idx', ['userId', 'createdAt'])
@Index('prompt_usage_created_idx', ['createdAt'])
export class PromptUsage {
  @PrimaryGeneratedColumn('identity', { type: 'bigint', generatedIdentity: 'BY DEFAULT' })
  id: string;

  @Column({ name: 'user_id', type: 'integer', nullable: true })
  userId: number | null;

  @ManyToOne(() => User, { onDelete: 'SET NULL' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'prompt_usage_user_id_fkey' })
  user: Relation<User> | null;

  @Column({ name: 'provider_id', type: 'integer' })
  providerId: number;

  @Column({ type: 'varchar', length: 200 })
  model: string;

  @Column({ type: 'boolean' })
  streamed: boolean;

  @Column({ name: 'upstream_status', type: 'integer', nullable: true })
  upstreamStatus: number | null;

  @Column({ type: 'varchar', length: 32 })
  outcome: string;

  @Column({ name: 'time_to_first_byte_ms', type: 'integer', nullable: true })
  timeToFirstByteMs: number | null;

  @Column({ name: 'duration_ms', type: 'integer' })
  durationMs: number;

  @Column({ name: 'prompt_tokens', type: 'integer', nullable: true })
  promptTokens: number | null;

  @Column({ name: 'completion_tokens', type: 'integer', nullable: true })
  completionTokens: number | null;

  @Column({ name: 'total_tokens', type: 'integer', nullable: true })
  totalTokens: number | null;

  @Column({ name: 'created_at', type: 'timestamptz', default: () => 'now()' })
  createdAt: Date;
}
