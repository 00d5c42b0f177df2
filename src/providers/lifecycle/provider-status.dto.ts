import { ApiProperty } from '@nestjs/swagger';
import { PROVIDER_STATUSES, type ProviderStatus } from '../provider.entity.js';

/** What a state change answers: the provider's lifecycle fields, nothing else. */
export class ProviderStatusDto {
  @ApiProperty({ example: 42 })
  id: number;

  @ApiProperty({ enum: PROVIDER_STATUSES, example: 'verified' })
  status: ProviderStatus;

  @ApiProperty()
  is_active: boolean;

  @ApiProperty()
  is_verified: boolean;

  @ApiProperty({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'When the last full verification passed',
  })
  verified_at: string | null;
}

/** The lifecycle columns as the repositories read them. */
export interface ProviderStatusRow {
  id: number;
  status: ProviderStatus;
  is_active: boolean;
  is_verified: boolean;
  verified_at: Date | null;
  tos_accepted_at: Date | null;
}

export function toProviderStatusDto(row: ProviderStatusRow): ProviderStatusDto {
  return {
    id: row.id,
    status: row.status,
    is_active: row.is_active,
    is_verified: row.is_verified,
    verified_at: row.verified_at ? row.verified_at.toISOString() : null,
  };
}
