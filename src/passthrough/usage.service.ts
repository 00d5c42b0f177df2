import { Injectable } from '@nestjs/common';
import { usageScope } from '../permissions/access-scopes.js';
import type { AuthUser } from '../users/auth-user.js';
import { PassthroughRepository, type UsageCallRow, type UsageTotalsRow } from './passthrough.repository.js';
import type { UsageCallDto, UsageQueryDto, UsageReportDto, UsageTotalsDto } from './usage.dto.js';

const LATEST_CALLS = 50;

/** The usage journal as its reader may see it (usageScope): their own calls, staff their accounts', superusers all. */
@Injectable()
export class UsageService {
  constructor(private readonly repository: PassthroughRepository) {}

  async report(user: AuthUser, query: UsageQueryDto): Promise<UsageReportDto> {
    const { byProvider, byDay, calls } = await this.repository.usage(
      usageScope(user),
      {
        providerId: query.provider,
        since: query.since ? new Date(query.since) : undefined,
        until: query.until ? new Date(query.until) : undefined,
      },
      LATEST_CALLS,
    );
    return { by_provider: byProvider.map(toTotals), by_day: byDay.map(toTotals), latest: calls.map(toCall) };
  }
}

function toTotals(row: UsageTotalsRow): UsageTotalsDto {
  return {
    provider_id: row.provider_id,
    ...(row.day === undefined ? {} : { day: row.day }),
    calls: row.calls,
    prompt_tokens: row.prompt_tokens,
    completion_tokens: row.completion_tokens,
    total_tokens: row.total_tokens,
  };
}

function toCall(row: UsageCallRow): UsageCallDto {
  return {
    id: Number(row.id),
    user_id: row.user_id,
    provider_id: row.provider_id,
    model: row.model,
    streamed: row.streamed,
    upstream_status: row.upstream_status,
    outcome: row.outcome,
    time_to_first_byte_ms: row.time_to_first_byte_ms,
    duration_ms: row.duration_ms,
    prompt_tokens: row.prompt_tokens,
    completion_tokens: row.completion_tokens,
    total_tokens: row.total_tokens,
    created_at: new Date(row.created_at).toISOString(),
  };
}
