import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  JoinColumn,
  ManyToOne,
  PrimaryGeneratedColumn,
  Unique,
  type Relation,
} from 'typeorm';
import { Account } from '../accounts/account.entity.js';
import { User } from './user.entity.js';

/** A user's membership of an account. Providers are owned by a profile, not by a bare user. */
@Entity({ name: 'user_profiles' })
@Unique('user_profiles_user_account_key', ['userId', 'accountId'])
export class UserProfile {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ name: 'user_id', type: 'integer' })
  userId: number;

  // A user or an account that goes away takes its memberships with it.
  @ManyToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'user_profiles_user_id_fkey' })
  user: Relation<User>;

  @Index('user_profiles_account_id_idx')
  @Column({ name: 'account_id', type: 'integer' })
  accountId: number;

  @ManyToOne(() => Account, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'account_id', foreignKeyConstraintName: 'user_profiles_account_id_fkey' })
  account: Relation<Account>;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
