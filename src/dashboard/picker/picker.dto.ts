import { ApiProperty } from '@nestjs/swagger';

/** One provider in the passthrough screen's picker: a whitelist, built field by field. */
export class PickerProviderDto {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) base_url!: string | null;
  @ApiProperty({ description: 'sent as `model` when the request names none' }) default_model!: string;
  @ApiProperty({ type: String, nullable: true }) docs_url!: string | null;
  @ApiProperty({ description: 'the verification status' }) status!: string;
  @ApiProperty() is_active!: boolean;
  @ApiProperty({ description: "the default provider of its owner's account" }) is_default!: boolean;
  @ApiProperty() has_api_key!: boolean;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) verified_at!: string | null;
}

export class PickerListDto {
  @ApiProperty({ type: [PickerProviderDto] }) providers!: PickerProviderDto[];
}
