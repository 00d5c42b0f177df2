import { ApiProperty } from '@nestjs/swagger';

/** The answer to a successful POST /auth/login (OAuth 2 token response field names). */
export class TokenResponseDto {
  @ApiProperty({ description: 'HS256 JWT; send it as `Authorization: Bearer <token>`' })
  access_token: string;

  @ApiProperty({ enum: ['Bearer'] })
  token_type: 'Bearer';

  @ApiProperty({ description: 'Seconds until the token expires', example: 3600 })
  expires_in: number;
}
