import { ApiProperty } from '@nestjs/swagger';
import { PROVIDER_STATUSES, type ProviderStatus } from '../../provider.entity.js';
import type { HistoryAction } from '../../history/provider-history.repository.js';

/**
 * The full provider record a manager sees. A whitelist: the API key itself (or its ciphertext)
 * is never part of it, only whether one is set and its last 4 characters.
 */
export class ProviderRecordDto {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty() description!: string;
  @ApiProperty({ type: String, nullable: true }) base_url!: string | null;
  @ApiProperty() default_model!: string;
  @ApiProperty() connectivity_test_path!: string;
  @ApiProperty({ type: String, nullable: true }) website_url!: string | null;
  @ApiProperty({ type: String, nullable: true }) docs_url!: string | null;
  @ApiProperty({ type: String, nullable: true }) terms_of_service_url!: string | null;
  @ApiProperty({ type: String, nullable: true }) privacy_policy_url!: string | null;
  @ApiProperty({ type: String, nullable: true }) contact_email!: string | null;
  @ApiProperty({ type: String, nullable: true }) support_email!: string | null;
  @ApiProperty({ enum: PROVIDER_STATUSES }) status!: ProviderStatus;
  @ApiProperty() is_active!: boolean;
  @ApiProperty() is_verified!: boolean;
  @ApiProperty() is_featured!: boolean;
  @ApiProperty() is_default!: boolean;
  @ApiProperty() has_api_key!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'the last 4 characters of the key (none for a short key)' })
  api_key_last4!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) tos_accepted_at!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'username' }) tos_accepted_by!: string | null;
  @ApiProperty({ description: "the owner's account" }) account_number!: string;
  @ApiProperty({ description: "the owner's username" }) owner!: string;
  @ApiProperty({ type: String, nullable: true, description: 'username' }) created_by!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'username' }) updated_by!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) verified_at!: string | null;
  @ApiProperty({ type: String, format: 'date-time' }) created_at!: string;
  @ApiProperty({ type: String, format: 'date-time' }) updated_at!: string;
  @ApiProperty({ description: 'bumped by every change; the ETag is made from it' }) row_version!: number;
}

export class ProviderPageDto {
  @ApiProperty({ type: [ProviderRecordDto] }) items!: ProviderRecordDto[];
  @ApiProperty({ type: String, nullable: true, description: 'pass as cursor for the next page; null on the last' })
  next_cursor!: string | null;
}

export class HistoryEntryDto {
  @ApiProperty() id!: string;
  @ApiProperty({ type: String, format: 'date-time' }) changed_at!: string;
  @ApiProperty({ type: String, nullable: true, description: 'username' }) changed_by!: string | null;
  @ApiProperty() action!: HistoryAction;
  @ApiProperty({ type: String, nullable: true }) field!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'the API key shows as "changed"' })
  old_value!: string | null;
  @ApiProperty({ type: String, nullable: true }) new_value!: string | null;
}

export class HistoryPageDto {
  @ApiProperty({ type: [HistoryEntryDto] }) items!: HistoryEntryDto[];
  @ApiProperty({ type: String, nullable: true }) next_cursor!: string | null;
}
