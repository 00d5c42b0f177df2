import { Injectable } from '@nestjs/common';
import { MetricsService } from '../observability/metrics.service.js';
import type { TokenUsage } from './token-usage.js';

/** Upstreams answer prompts in anything from a tenth of a second to a minute. */
const FIRST_BYTE_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60];

export interface FinishedCall {
  providerId: number;
  /** The upstream's HTTP status; null when no answer came (refused, timed out, cancelled). */
  upstreamStatus: number | null;
  /** `ok`, or the code of the error that ended the call. */
  outcome: string;
  timeToFirstByteMs: number | null;
  usage: TokenUsage;
}

/**
 * The passthrough's counters. Providers are labelled by id: their number is bounded by the
 * table, while a name can be renamed (splitting a series) or hold anything a user typed.
 */
@Injectable()
export class PassthroughMetrics {
  private readonly calls;
  private readonly firstByte;
  private readonly promptTokens;
  private readonly completionTokens;

  constructor(metrics: MetricsService) {
    this.calls = metrics.counter(
      'passthrough_calls_total',
      'Passthrough calls, by provider id, upstream status (none: no answer) and outcome (ok or the error code)',
      ['provider', 'status', 'outcome'],
    );
    this.firstByte = metrics.histogram(
      'passthrough_upstream_first_byte_seconds',
      "Time from sending a passthrough call to the upstream's status line, by provider id",
      FIRST_BYTE_BUCKETS,
      ['provider'],
    );
    this.promptTokens = metrics.counter(
      'passthrough_prompt_tokens_total',
      'Prompt tokens the upstreams reported (usage), by provider id',
      ['provider'],
    );
    this.completionTokens = metrics.counter(
      'passthrough_completion_tokens_total',
      'Completion tokens the upstreams reported (usage), by provider id',
      ['provider'],
    );
  }

  finished(call: FinishedCall): void {
    const provider = String(call.providerId);
    this.calls.inc({
      provider,
      status: call.upstreamStatus === null ? 'none' : String(call.upstreamStatus),
      outcome: call.outcome,
    });
    if (call.timeToFirstByteMs !== null) this.firstByte.observe({ provider }, call.timeToFirstByteMs / 1000);
    if (call.usage.promptTokens !== null) this.promptTokens.inc({ provider }, call.usage.promptTokens);
    if (call.usage.completionTokens !== null) this.completionTokens.inc({ provider }, call.usage.completionTokens);
  }
}
