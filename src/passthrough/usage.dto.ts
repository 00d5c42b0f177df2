import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsISO8601, IsOptional, Max, Min } from 'class-validator';

export class UsageQueryDto {
  @ApiPropertyOptional({ description: "Only this provider's calls (its id)" })
  @IsOptional()
  @Transform(({ value }) => (typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : value))
  @IsInt()
  @Min(1)
  @Max(2 ** 31 - 1)
  provider?: number;

  @ApiPropertyOptional({ description: 'Calls at or after this instant (ISO 8601)', example: '2026-12-01T00:00:00Z' })
  @IsOptional()
  @IsISO8601({ strict: true })
  since?: string;

  @ApiPropertyOptional({ description: 'Calls before this instant (ISO 8601)' })
  @IsOptional()
  @IsISO8601({ strict: true })
  until?: string;
}

export class UsageTotalsDto {
  @ApiProperty() provider_id: number;
  @ApiPropertyOptional({ description: 'UTC day, YYYY-MM-DD (per-day totals only)' }) day?: string;
  @ApiProperty() calls: number;
  @ApiProperty() prompt_tokens: number;
  @ApiProperty() completion_tokens: number;
  @ApiProperty() total_tokens: number;
}

export class UsageCallDto {
  @ApiProperty() id: number;
  @ApiProperty({ nullable: true, type: Number }) user_id: number | null;
  @ApiProperty() provider_id: number;
  @ApiProperty() model: string;
  @ApiProperty() streamed: boolean;
  @ApiProperty({ nullable: true, type: Number, description: 'null when no answer came' }) upstream_status:
    number | null;
  @ApiProperty({ description: '`ok`, or the error code the call ended with' }) outcome: string;
  @ApiProperty({ nullable: true, type: Number }) time_to_first_byte_ms: number | null;
  @ApiProperty() duration_ms: number;
  @ApiProperty({ nullable: true, type: Number }) prompt_tokens: number | null;
  @ApiProperty({ nullable: true, type: Number }) completion_tokens: number | null;
  @ApiProperty({ nullable: true, type: Number }) total_tokens: number | null;
  @ApiProperty() created_at: string;
}

export class UsageReportDto {
  @ApiProperty({ type: [UsageTotalsDto] }) by_provider: UsageTotalsDto[];
  @ApiProperty({ type: [UsageTotalsDto] }) by_day: UsageTotalsDto[];
  @ApiProperty({ type: [UsageCallDto], description: 'The latest calls, newest first (at most 50)' })
  latest: UsageCallDto[];
}
