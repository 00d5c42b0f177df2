import { StringDecoder } from 'node:string_decoder';

/** The token counts of an OpenAI answer's `usage` block; null where absent or not a count. */
export interface TokenUsage {
  promptTokens: number | null;
  completionTokens: number | null;
  totalTokens: number | null;
}

export const NO_USAGE: TokenUsage = Object.freeze({ promptTokens: null, completionTokens: null, totalTokens: null });

const count = (v: unknown): number | null => (Number.isSafeInteger(v) && (v as number) >= 0 ? (v as number) : null);

/** The `usage` of a parsed answer or chunk, or undefined when it has none. */
export function usageOf(answer: unknown): TokenUsage | undefined {
  const usage = (answer as { usage?: unknown } | null)?.usage;
  if (typeof usage !== 'object' || usage === null) return undefined;
  const u = usage as Record<string, unknown>;
  return {
    promptTokens: count(u.prompt_tokens),
    completionTokens: count(u.completion_tokens),
    totalTokens: count(u.total_tokens),
  };
}

/** Longest SSE line looked at for a `usage` block; a longer one is relayed but not read. */
const MAX_LINE_CHARS = 256 * 1024;

/**
 * Watches a relayed server-sent-event stream for the `usage` that OpenAI-compatible upstreams
 * put in their last chunk (with `stream_options.include_usage`). Only `data:` lines that
 * mention "usage" are parsed; nothing is kept but the counts.
 */
export class StreamUsageScanner {
  private readonly decoder = new StringDecoder('utf8');
  private partial = '';
  private skipping = false;
  usage: TokenUsage = NO_USAGE;

  push(chunk: Buffer): void {
    const lines = (this.partial + this.decoder.write(chunk)).split('\n');
    this.partial = lines.pop() ?? '';
    for (const line of lines) {
      if (this.skipping) this.skipping = false;
      else this.readLine(line);
    }
    if (this.partial.length > MAX_LINE_CHARS) {
      this.partial = '';
      this.skipping = true;
    }
  }

  private readLine(line: string): void {
    if (!line.startsWith('data:') || !line.includes('"usage"')) return;
    try {
      const found = usageOf(JSON.parse(line.slice(5)));
      if (found) this.usage = found;
    } catch {
      // Not JSON: an upstream's own extension, relayed untouched.
    }
  }
}
