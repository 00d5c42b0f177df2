import type { FieldProblem } from '../common/error-body.js';
import { InvalidPromptError } from './passthrough.errors.js';

/** Largest prompt body the passthrough accepts (a route-specific limit; every other route keeps 64 KiB). */
export const MAX_PROMPT_BODY_BYTES = 1024 * 1024;

/** An OpenAI chat-completions request: only what the service reads is typed, the rest travels as is. */
export interface ChatRequest {
  model: string;
  messages: unknown[];
  stream: boolean;
  /** The body to forward: the caller's fields, with `model` filled in. */
  forward: Record<string, unknown>;
}

/**
 * Checks the little the service relies on and fills in the provider's default model; every
 * other field (temperature, tools, response_format…) is the upstream's to judge and is
 * forwarded untouched.
 */
export function readChatRequest(body: unknown, defaultModel: string): ChatRequest {
  const problems: FieldProblem[] = [];
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new InvalidPromptError([
      { field: 'body', message: 'must be a JSON object (an OpenAI chat-completions request)' },
    ]);
  }
  const fields = body as Record<string, unknown>;
  const { messages, model, stream } = fields;
  if (!Array.isArray(messages) || messages.length === 0) {
    problems.push({ field: 'messages', message: 'is required: a non-empty array of messages' });
  } else if (messages.some((m) => typeof m !== 'object' || m === null || Array.isArray(m))) {
    problems.push({ field: 'messages', message: 'each message must be an object' });
  }
  if (model !== undefined && (typeof model !== 'string' || model.trim() === '')) {
    problems.push({ field: 'model', message: 'must be a non-empty string when given' });
  }
  if (stream !== undefined && typeof stream !== 'boolean') {
    problems.push({ field: 'stream', message: 'must be a boolean when given' });
  }
  const chosenModel = typeof model === 'string' && model.trim() !== '' ? model : defaultModel;
  if (problems.length === 0 && chosenModel === '') {
    problems.push({ field: 'model', message: 'is required: the provider has no default model' });
  }
  if (problems.length > 0) throw new InvalidPromptError(problems);
  return {
    model: chosenModel,
    messages: messages as unknown[],
    stream: stream === true,
    forward: { ...fields, model: chosenModel },
  };
}
