import { Column, Entity, JoinColumn, OneToOne, PrimaryColumn, type Relation } from 'typeorm';
import { User } from '../../users/user.entity.js';

/** "Signed out everywhere": the user's tokens issued up to this moment are refused. */
@Entity({ name: 'user_token_cutoffs' })
export class UserTokenCutoff {
  @PrimaryColumn({ name: 'user_id', type: 'integer' })
  userId: number;

  @OneToOne(() => User, { onDelete: 'CASCADE' })
  @JoinColumn({ name: 'user_id', foreignKeyConstraintName: 'user_token_cutoffs_user_id_fkey' })
  user: Relation<User>;

  @Column({ name: 'tokens_valid_after', type: 'timestamptz' })
  tokensValidAfter: Date;
}
