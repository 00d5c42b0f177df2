import { Column, CreateDateColumn, Entity, Index, PrimaryGeneratedColumn, Unique, UpdateDateColumn } from 'typeorm';

@Entity({ name: 'accounts' })
@Index('accounts_platform_idx', ['id'], { where: 'is_platform' })
@Unique('accounts_account_number_key', ['accountNumber'])
export class Account {
  @PrimaryGeneratedColumn('identity', { generatedIdentity: 'BY DEFAULT' })
  id: number;

  @Column({ name: 'account_number', type: 'varchar', length: 64 })
  accountNumber: string;

  @Column({ type: 'varchar', length: 200 })
  name: string;

  /** Providers owned inside a platform account are readable by every user who has a profile. */
  @Column({ name: 'is_platform', type: 'boolean', default: false })
  isPlatform: boolean;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
