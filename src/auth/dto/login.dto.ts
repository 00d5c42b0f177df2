import { ApiProperty } from '@nestjs/swagger';
import { Length } from 'class-validator';

/** Also what the login page's form allows (maxlength) and checks. */
export const USERNAME_MAX_LENGTH = 150;
// Bounded so that nobody makes the server hash megabytes; far above any real password.
export const PASSWORD_MAX_LENGTH = 1024;

// One rule per field (Length also requires a string), so a missing or non-string field gets
// one clear message rather than three.
export class LoginDto {
  @ApiProperty({ example: 'alice', minLength: 1, maxLength: USERNAME_MAX_LENGTH })
  @Length(1, USERNAME_MAX_LENGTH, { message: `username must be a string of 1 to ${USERNAME_MAX_LENGTH} characters` })
  username: string;

  @ApiProperty({ example: 'pw-alice', minLength: 1, maxLength: PASSWORD_MAX_LENGTH, format: 'password' })
  @Length(1, PASSWORD_MAX_LENGTH, { message: `password must be a string of 1 to ${PASSWORD_MAX_LENGTH} characters` })
  password: string;
}
