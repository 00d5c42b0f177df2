import { ApiProperty } from '@nestjs/swagger';
import { VERIFICATION_CHECKS, type VerificationCheck } from './provider-verification.entity.js';

export class VerificationResultDto {
  @ApiProperty({ enum: VERIFICATION_CHECKS })
  check: VerificationCheck;

  @ApiProperty()
  ok: boolean;

  @ApiProperty({ example: 'answered 200', description: 'What was found; never a credential' })
  message: string;

  @ApiProperty({ type: String, format: 'date-time' })
  checked_at: string;
}

export class VerificationResultsDto {
  @ApiProperty({ type: [VerificationResultDto], description: 'The latest result of each check, in a fixed order' })
  items: VerificationResultDto[];
}
