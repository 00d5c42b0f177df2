/**
 * The demo echo's answers, in OpenAI's chat-completions shapes: the reply is the last user
 * message. Token counts are words, which is all a demo needs of them.
 */
export const ECHO_MODEL = 'echo-1';

interface EchoUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

const words = (text: string) => text.split(/\s+/).filter(Boolean).length;

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (part && typeof part === 'object' && typeof part.text === 'string' ? part.text : ''))
      .join('');
  }
  return '';
}

export interface EchoRequest {
  model: string;
  reply: string;
  usage: EchoUsage;
  stream: boolean;
}

export function readEchoRequest(body: unknown): EchoRequest | string {
  const fields = (body ?? {}) as { model?: unknown; messages?: unknown; stream?: unknown };
  if (!Array.isArray(fields.messages) || fields.messages.length === 0) return 'messages is required';
  const messages = fields.messages as { role?: unknown; content?: unknown }[];
  const lastUser = [...messages].reverse().find((m) => m?.role === 'user');
  const reply = textOf(lastUser?.content);
  const prompt = messages.reduce((n, m) => n + words(textOf(m?.content)), 0);
  const completion = words(reply);
  return {
    model: typeof fields.model === 'string' ? fields.model : ECHO_MODEL,
    reply,
    usage: { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion },
    stream: fields.stream === true,
  };
}

export function echoCompletion(request: EchoRequest, id: string, created: number): object {
  return {
    id,
    object: 'chat.completion',
    created,
    model: request.model,
    choices: [{ index: 0, message: { role: 'assistant', content: request.reply }, finish_reason: 'stop' }],
    usage: request.usage,
  };
}

/** The server-sent events of a streamed echo: one chunk per word, the finish, the usage, then [DONE]. */
export function* echoEvents(request: EchoRequest, id: string, created: number): Generator<string> {
  const chunk = (choices: object[], extra: object = {}) =>
    `data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created, model: request.model, choices, ...extra })}\n\n`;
  yield chunk([{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }]);
  for (const piece of request.reply.match(/\S+\s*/g) ?? []) {
    yield chunk([{ index: 0, delta: { content: piece }, finish_reason: null }]);
  }
  yield chunk([{ index: 0, delta: {}, finish_reason: 'stop' }]);
  yield chunk([], { usage: request.usage });
  yield 'data: [DONE]\n\n';
}
