import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** Failed sign-ins counted for one key (`user:<name>` or `address:<ip>`) in its current window. */
@Entity({ name: 'sign_in_failures' })
@Index('sign_in_failures_window_ends_at_idx', ['windowEndsAt'])
export class SignInFailure {
  @PrimaryColumn({ type: 'varchar', length: 300 })
  key: string;

  @Column({ type: 'integer' })
  failures: number;

  @Column({ name: 'window_ends_at', type: 'timestamptz' })
  windowEndsAt: Date;
}
