import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { PROVIDER_STATUSES, type ProviderStatus } from '../../provider.entity.js';
import { IsStorableText } from '../validated-input.js';

export const LIST_SCOPES = ['readable', 'manageable'] as const;
export type ListScope = (typeof LIST_SCOPES)[number];
export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;
/** providers.id is an integer column. */
const MAX_PROVIDER_ID = 2 ** 31 - 1;

/** The page size every paged route takes. */
class PageQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: MAX_PAGE_SIZE, default: DEFAULT_PAGE_SIZE })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit?: number;
}

export class ListProvidersQuery extends PageQuery {
  @ApiPropertyOptional({ enum: LIST_SCOPES, default: 'readable' })
  @IsOptional()
  @IsIn(LIST_SCOPES)
  scope?: ListScope;

  @ApiPropertyOptional({ description: 'part of the name or the base URL, case-insensitive' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  @IsStorableText()
  q?: string;

  @ApiPropertyOptional({ enum: PROVIDER_STATUSES })
  @IsOptional()
  @IsIn(PROVIDER_STATUSES)
  status?: ProviderStatus;

  @ApiPropertyOptional({ description: "the owner's account number" })
  @IsOptional()
  @IsString()
  @MaxLength(64)
  @IsStorableText()
  account?: string;

  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(MAX_PROVIDER_ID)
  cursor?: number;
}

export class HistoryQuery extends PageQuery {
  @ApiPropertyOptional({ description: 'next_cursor of the previous page' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(Number.MAX_SAFE_INTEGER)
  cursor?: number;
}
