import { ApiProperty } from '@nestjs/swagger';
import { Length } from 'class-validator';

// One rule per field (Length also requires a string), so a missing or non-string field gets
// one clear message rather than three.
export class LoginDto {
  @ApiProperty({ example: 'alice', minLength: 1, maxLength: 150 })
  @Length(1, 150, { message: 'username must be a string of 1 to 150 characters' })
  username: string;

  // Bounded so that nobody makes the server hash megabytes; far above any real password.
  @ApiProperty({ example: 'pw-alice', minLength: 1, maxLength: 1024, format: 'password' })
  @Length(1, 1024, { message: 'password must be a string of 1 to 1024 characters' })
  password: string;
}
