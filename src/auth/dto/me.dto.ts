import { ApiProperty } from '@nestjs/swagger';
import type { AuthUser } from '../../users/auth-user.js';

/** GET /auth/me: exactly these fields. */
export class MeDto {
  @ApiProperty({ example: 2 })
  id: number;

  @ApiProperty({ example: 'alice' })
  username: string;

  @ApiProperty({ example: 'alice@acme.test' })
  email: string;

  @ApiProperty()
  is_superuser: boolean;

  @ApiProperty()
  is_staff: boolean;

  @ApiProperty({
    type: [String],
    description: 'Account numbers of the user’s profiles, sorted',
    example: ['1000-0000-0001'],
  })
  accounts: string[];
}

export function toMeDto(user: AuthUser, accounts: string[]): MeDto {
  return {
    id: user.id,
    username: user.username,
    email: user.email,
    is_superuser: user.isSuperuser,
    is_staff: user.isStaff,
    accounts,
  };
}
