import { ApiProperty } from '@nestjs/swagger';
import { PROVIDER_STATUSES, type ProviderStatus } from '../provider.entity.js';

const NO_VALUE = 'null when there is none';
const EMPTY_STRING =
  'an ISO 8601 timestamp, or "" when there is none: Smarter’s app formats it with a string method, so null would crash its details panel';

export class SmarterApiKeyDto {
  @ApiProperty({
    type: String,
    nullable: true,
    example: '…cdef',
    description:
      'null when no key is set; else "…" and the last four characters the management API shows too (api_key_last4). Never the key.',
  })
  name: string | null;
}

export class SmarterUserDto {
  @ApiProperty({ type: String, nullable: true, example: 'alice' })
  username: string | null;

  @ApiProperty({ type: String, nullable: true, example: 'alice@acme.test' })
  email: string | null;
}

export class SmarterAccountDto {
  @ApiProperty({ example: '1000-0000-0001' })
  accountNumber: string;
}

export class SmarterUserProfileDto {
  @ApiProperty({ type: SmarterAccountDto, description: 'the account the provider is owned in' })
  account: SmarterAccountDto;

  @ApiProperty({ type: SmarterUserDto, description: 'the user whose profile owns the provider' })
  user: SmarterUserDto;
}

/**
 * A provider in Smarter's own representation (PROVIDERS_LIST_FORMAT=smarter), the one its
 * dashboard app (@smarter/prompt-passthrough) reads. Built field by field by
 * toSmarterProvider; the objects the app dereferences without a null check (apiKey,
 * tosAcceptedBy, userProfile) are always there.
 */
export class ProviderSmarterDto {
  @ApiProperty({ example: 12 }) id: number;
  @ApiProperty({ example: 'Local echo' }) name: string;
  @ApiProperty({ example: 'Answers with the last user message' }) description: string;

  @ApiProperty({
    example: '3',
    description: 'the record’s revision (row_version, the number in its ETag), as a string',
  })
  version: string;

  @ApiProperty({ enum: PROVIDER_STATUSES, example: 'verified' }) status: ProviderStatus;

  @ApiProperty({ example: 'local-echo', description: 'the slug POST /api/v1/prompts/passthrough/{provider}/ takes' })
  rfc1034CompliantName: string;

  @ApiProperty() isDefault: boolean;
  @ApiProperty({ example: 'echo-1', description: '"" when unset' }) defaultModel: string;

  @ApiProperty({
    example: 'http://127.0.0.1:3000/demo/openai/v1',
    description: '"" when unset: Smarter’s app drops a provider whose baseUrl is not a string',
  })
  baseUrl: string;

  @ApiProperty({ example: 'models', description: '"" when unset' }) connectivityTestPath: string;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'always null: the service keeps no logos' })
  logo: null;

  @ApiProperty({ type: String, nullable: true, description: NO_VALUE }) websiteUrl: string | null;
  @ApiProperty({ type: String, nullable: true, description: NO_VALUE }) docsUrl: string | null;
  @ApiProperty({ type: String, nullable: true, description: NO_VALUE }) termsOfServiceUrl: string | null;
  @ApiProperty({ type: String, nullable: true, description: NO_VALUE }) privacyPolicyUrl: string | null;

  @ApiProperty() isActive: boolean;
  @ApiProperty() isVerified: boolean;
  @ApiProperty() isFeatured: boolean;
  @ApiProperty({ description: 'owned in a platform account' }) isOfficialProvider: boolean;
  @ApiProperty({ description: 'status is deprecated' }) isDeprecated: boolean;
  @ApiProperty({ description: 'always false: the service has no flags' }) isFlagged: boolean;
  @ApiProperty({ description: 'status is suspended' }) isSuspended: boolean;

  @ApiProperty({ type: SmarterApiKeyDto }) apiKey: SmarterApiKeyDto;
  @ApiProperty({ type: SmarterUserProfileDto }) userProfile: SmarterUserProfileDto;

  @ApiProperty() tosAccepted: boolean;

  @ApiProperty({ type: SmarterUserDto, description: 'who accepted the terms; both members null when nobody did' })
  tosAcceptedBy: SmarterUserDto;

  @ApiProperty({ description: EMPTY_STRING }) tosAcceptedAt: string;

  @ApiProperty({ type: String, nullable: true, example: null, description: 'always null: no ownership requests here' })
  ownershipRequested: null;

  @ApiProperty({ type: String, nullable: true, description: NO_VALUE }) contactEmail: string | null;
  @ApiProperty({ description: `${EMPTY_STRING}; always "": emails are not verified here` })
  contactEmailVerified: string;
  @ApiProperty({ type: String, nullable: true, description: NO_VALUE }) supportEmail: string | null;
  @ApiProperty({ description: `${EMPTY_STRING}; always "": emails are not verified here` })
  supportEmailVerified: string;

  @ApiProperty({ example: '2026-11-30T09:12:44.104Z' }) createdAt: string;
  @ApiProperty({ example: '2026-11-30T09:12:44.104Z' }) updatedAt: string;

  @ApiProperty({ type: [String], example: [], description: 'always []: the service keeps no tags' }) tags: string[];

  @ApiProperty({ type: [String], example: [], description: 'always []: the service keeps no annotations' })
  annotations: string[];
}

export class ProvidersSmarterListDto {
  @ApiProperty({ type: [ProviderSmarterDto] })
  providers: ProviderSmarterDto[];
}
