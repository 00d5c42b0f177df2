import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { NO_ACCESS, type AccessScope } from '../permissions/access-scopes.js';
import { PROVIDER_SLUG_SQL } from '../providers/provider-slug.js';

export interface UsageRecord {
  userId: number;
  providerId: number;
  model: string;
  streamed: boolean;
  upstreamStatus: number | null;
  outcome: string;
  timeToFirstByteMs: number | null;
  durationMs: number;
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
}

export interface UsageFilter {
  providerId?: number;
  since?: Date;
  until?: Date;
}

export interface UsageTotalsRow {
  provider_id: number;
  day?: string;
  calls: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

export interface UsageCallRow {
  id: string;
  user_id: number | null;
  provider_id: number;
  model: string;
  streamed: boolean;
  upstream_status: number | null;
  outcome: string;
  time_to_first_byte_ms: number | null;
  duration_ms: number;
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  created_at: Date;
}

const TOTALS = `count(*)::int AS calls,
  coalesce(sum(u.prompt_tokens), 0)::int AS prompt_tokens,
  coalesce(sum(u.completion_tokens), 0)::int AS completion_tokens,
  coalesce(sum(u.total_tokens), 0)::int AS total_tokens`;

/** Every SQL of the passthrough: which provider a call goes to, and the usage journal. */
@Injectable()
export class PassthroughRepository {
  constructor(private readonly db: DataSource) {}

  /**
   * The condition (on `p`) naming the provider a call asks for: by id, or by slug. It is asked
   * through PermissionsService.providersForUse, which adds the caller's scope to the WHERE.
   */
  idOrSlug(id: number | null, slug: string): AccessScope {
    return { where: `p.id = $1::int OR ${PROVIDER_SLUG_SQL} = $2`, params: [id, slug] };
  }

  /** The journal rows of several calls, in one INSERT. */
  async recordUsage(rows: readonly UsageRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const params: unknown[] = [];
    const tuples = rows.map((r) => {
      const first = params.length;
      params.push(
        r.userId,
        r.providerId,
        r.model,
        r.streamed,
        r.upstreamStatus,
        r.outcome,
        r.timeToFirstByteMs,
        r.durationMs,
        r.promptTokens,
        r.completionTokens,
        r.totalTokens,
      );
      return `(${Array.from({ length: 11 }, (_, i) => `$${first + i + 1}`).join(', ')})`;
    });
    await this.db.query(
      `INSERT INTO prompt_usage (user_id, provider_id, model, streamed, upstream_status, outcome,
                                 time_to_first_byte_ms, duration_ms, prompt_tokens, completion_tokens, total_tokens)
       VALUES ${tuples.join(',\n              ')}`,
      params,
    );
  }

  /** Per-provider totals, per-(provider, UTC day) totals and the latest calls within `scope` (a condition on `u`). */
  async usage(
    scope: AccessScope,
    filter: UsageFilter,
    latest: number,
  ): Promise<{ byProvider: UsageTotalsRow[]; byDay: UsageTotalsRow[]; calls: UsageCallRow[] }> {
    if (scope === NO_ACCESS) return { byProvider: [], byDay: [], calls: [] };
    const params: unknown[] = [...scope.params];
    const conditions = [`(${scope.where})`];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      conditions.push(sql.replace('?', `$${params.length}`));
    };
    if (filter.providerId !== undefined) add('u.provider_id = ?', filter.providerId);
    if (filter.since) add('u.created_at >= ?', filter.since);
    if (filter.until) add('u.created_at < ?', filter.until);
    const where = conditions.join(' AND ');
    const byProvider: UsageTotalsRow[] = await this.db.query(
      `SELECT u.provider_id, ${TOTALS} FROM prompt_usage u WHERE ${where} GROUP BY u.provider_id ORDER BY u.provider_id`,
      params,
    );
    const byDay: UsageTotalsRow[] = await this.db.query(
      `SELECT u.provider_id, to_char(u.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD') AS day, ${TOTALS}
         FROM prompt_usage u WHERE ${where}
        GROUP BY u.provider_id, day ORDER BY day, u.provider_id`,
      params,
    );
    const calls: UsageCallRow[] = await this.db.query(
      `SELECT u.id, u.user_id, u.provider_id, u.model, u.streamed, u.upstream_status, u.outcome,
              u.time_to_first_byte_ms, u.duration_ms, u.prompt_tokens, u.completion_tokens, u.total_tokens, u.created_at
         FROM prompt_usage u WHERE ${where}
        ORDER BY u.created_at DESC, u.id DESC LIMIT $${params.length + 1}`,
      [...params, latest],
    );
    return { byProvider, byDay, calls };
  }
}
