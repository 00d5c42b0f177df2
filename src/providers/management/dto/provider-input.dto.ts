import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsOptional, IsString, Length, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { baseUrlProblem, linkUrlProblem, testPathProblem } from '../../../world/base-url.js';
import { LIMITS } from '../../../world/world-rules.js';
import { IsStorableText, Satisfies } from '../validated-input.js';

/** Present means set: null is refused for the fields that cannot be empty in the database. */
const present = (_: object, value: unknown) => value !== undefined;

/** The fields a manager may set, each optional: PATCH takes any of them, POST adds the required ones. */
export class ProviderFieldsDto {
  @ApiPropertyOptional({ example: 'Our gateway in front of OpenAI' })
  @ValidateIf(present)
  @IsString()
  @IsStorableText()
  description?: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://api.openai.com/v1' })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.baseUrl)
  @Satisfies('isBaseUrl', baseUrlProblem)
  base_url?: string | null;

  @ApiPropertyOptional({ example: 'gpt-4o-mini' })
  @ValidateIf(present)
  @IsString()
  @MaxLength(200)
  @IsStorableText()
  default_model?: string;

  @ApiPropertyOptional({ example: 'models', description: 'relative to base_url' })
  @ValidateIf(present)
  @IsString()
  @MaxLength(LIMITS.baseUrl)
  @Satisfies('isTestPath', testPathProblem)
  connectivity_test_path?: string;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'https://openai.com' })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.baseUrl)
  @Satisfies('isLinkUrl', linkUrlProblem)
  website_url?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.baseUrl)
  @Satisfies('isLinkUrl', linkUrlProblem)
  docs_url?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.baseUrl)
  @Satisfies('isLinkUrl', linkUrlProblem)
  terms_of_service_url?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.baseUrl)
  @Satisfies('isLinkUrl', linkUrlProblem)
  privacy_policy_url?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'api@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.email)
  @IsEmail()
  contact_email?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, example: 'support@example.com' })
  @IsOptional()
  @IsString()
  @MaxLength(LIMITS.email)
  @IsEmail()
  support_email?: string | null;

  @ApiPropertyOptional()
  @ValidateIf(present)
  @IsBoolean()
  is_featured?: boolean;

  @ApiPropertyOptional({ description: "the account's default provider (at most one per account)" })
  @ValidateIf(present)
  @IsBoolean()
  is_default?: boolean;
}

/** PATCH: any of the fields; a name, when given, follows the import's rules. */
export class UpdateProviderDto extends ProviderFieldsDto {
  @ApiPropertyOptional({ example: 'OpenAI', minLength: 1, maxLength: LIMITS.providerName })
  @ValidateIf(present)
  @IsString()
  @Length(1, LIMITS.providerName)
  @IsStorableText()
  name?: string;
}

/** POST: the account it is created in (the owner is the caller's profile there) and its name. */
export class CreateProviderDto extends ProviderFieldsDto {
  @ApiProperty({ example: '3141-5926-5358' })
  @IsString()
  @Length(1, LIMITS.accountNumber)
  account_number!: string;

  @ApiProperty({ example: 'OpenAI', minLength: 1, maxLength: LIMITS.providerName })
  @IsString()
  @Length(1, LIMITS.providerName)
  @IsStorableText()
  name!: string;
}

export class ApiKeyDto {
  @ApiProperty({ description: 'stored encrypted; never returned (responses show its last 4 characters)' })
  @IsString()
  @MinLength(1)
  @MaxLength(4096)
  @Satisfies('isApiKey', (value) =>
    /[\s\u0000-\u001f\u007f]/.test(value) ? 'must not contain spaces or control characters' : null,
  )
  api_key!: string;
}

/** The fields of ProviderFieldsDto and UpdateProviderDto, in the order history records them. */
export const UPDATABLE_FIELDS = [
  'name',
  'description',
  'base_url',
  'default_model',
  'connectivity_test_path',
  'website_url',
  'docs_url',
  'terms_of_service_url',
  'privacy_policy_url',
  'contact_email',
  'support_email',
  'is_featured',
  'is_default',
] as const satisfies readonly (keyof UpdateProviderDto)[];
export type UpdatableField = (typeof UPDATABLE_FIELDS)[number];
