// The passthrough benchmark's upstream: a stand-in for an OpenAI-compatible provider on
// loopback, node:http only, so that what is measured is the service's relay and not a model.
//   POST /v1/chat/completions         a fixed completion, or with "stream": true a stream of
//                                     STREAM_EVENTS server-sent events written back to back
//   POST /paced/v1/chat/completions   the same, but the events STUB_PACE_MS apart: a stream
//                                     that lasts, for the time to first chunk and for clients
//                                     that leave half-way
//   GET  /healthz                     readiness
//   GET  /stats                       what it has seen, as JSON (streams cut short by their client included)
// Every completion call must carry `Authorization: Bearer <STUB_API_KEY>` (else 401, as
// OpenAI answers), which is how the benchmark knows the service sent the provider's key.
import { createServer } from 'node:http';

const PORT = Number(process.env.PORT);
const AUTHORIZATION = `Bearer ${process.env.STUB_API_KEY}`;
const PACE_MS = Number(process.env.STUB_PACE_MS ?? 2);
const MAX_BODY_BYTES = 1024 * 1024;
const STREAM_EVENTS = 100;

const CREATED = 1_764_547_200;
const ID = 'chatcmpl-bench-0001';
const MODEL = 'bench-1';
const ANSWER =
  'A benchmark answer of a realistic size: a few sentences of text, as a short completion would be. ' +
  'It never changes, so that the direct call and the relayed call can be compared byte for byte.';

const COMPLETION = Buffer.from(
  JSON.stringify({
    id: ID,
    object: 'chat.completion',
    created: CREATED,
    model: MODEL,
    choices: [{ index: 0, message: { role: 'assistant', content: ANSWER }, logprobs: null, finish_reason: 'stop' }],
    usage: { prompt_tokens: 24, completion_tokens: 40, total_tokens: 64 },
  }),
);

/** 98 deltas, the finishing chunk with the usage, and [DONE]: STREAM_EVENTS events. */
const EVENTS = (() => {
  const words = ANSWER.split(' ');
  const chunk = (delta, finish, usage) =>
    `data: ${JSON.stringify({
      id: ID,
      object: 'chat.completion.chunk',
      created: CREATED,
      model: MODEL,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      ...(usage ? { usage } : {}),
    })}\n\n`;
  const events = [];
  for (let i = 0; i < STREAM_EVENTS - 2; i++) {
    events.push(chunk(i === 0 ? { role: 'assistant', content: '' } : { content: `${words[i % words.length]} ` }, null));
  }
  events.push(chunk({}, 'stop', { prompt_tokens: 24, completion_tokens: STREAM_EVENTS - 3, total_tokens: 121 }));
  events.push('data: [DONE]\n\n');
  return events.map((e) => Buffer.from(e));
})();

const stats = {
  completions: 0,
  streamsStarted: 0,
  streamsFinished: 0,
  streamsClosedEarly: 0,
  unauthorized: 0,
  badRequests: 0,
};

function send(res, status, body, type = 'application/json') {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body) });
  res.end(body);
}

function stream(res, paced) {
  stats.streamsStarted++;
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  let next = 0;
  let timer = null;
  res.once('close', () => {
    if (timer) clearTimeout(timer);
    if (next < EVENTS.length) stats.streamsClosedEarly++;
  });
  const writeNext = () => {
    timer = null;
    if (res.destroyed) return;
    res.write(EVENTS[next++]);
    if (next === EVENTS.length) {
      stats.streamsFinished++;
      res.end();
    } else {
      timer = setTimeout(writeNext, PACE_MS);
    }
  };
  if (paced) return writeNext();
  while (next < EVENTS.length) res.write(EVENTS[next++]);
  stats.streamsFinished++;
  res.end();
}

const server = createServer((req, res) => {
  const path = req.url ?? '';
  if (req.method === 'GET' && path === '/healthz') return send(res, 200, '{"ok":true}');
  if (req.method === 'GET' && path === '/stats') return send(res, 200, JSON.stringify(stats));
  const paced = path === '/paced/v1/chat/completions';
  if (req.method !== 'POST' || !(paced || path === '/v1/chat/completions')) {
    return send(res, 404, JSON.stringify({ error: { message: 'not found', type: 'invalid_request_error' } }));
  }
  const chunks = [];
  let size = 0;
  req.on('data', (chunk) => {
    size += chunk.length;
    if (size <= MAX_BODY_BYTES) chunks.push(chunk);
  });
  req.on('end', () => {
    if (req.headers.authorization !== AUTHORIZATION) {
      stats.unauthorized++;
      return send(res, 401, JSON.stringify({ error: { message: 'invalid api key', type: 'invalid_request_error' } }));
    }
    let body;
    try {
      body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    } catch {
      body = null;
    }
    if (!body || !Array.isArray(body.messages)) {
      stats.badRequests++;
      return send(res, 400, JSON.stringify({ error: { message: 'messages required', type: 'invalid_request_error' } }));
    }
    if (body.stream === true) return stream(res, paced);
    stats.completions++;
    send(res, 200, COMPLETION);
  });
});
server.keepAliveTimeout = 60_000;
server.listen(PORT, '127.0.0.1');
// Nothing to finish: a stream cut here is the benchmark's own doing.
process.on('SIGTERM', () => process.exit(0));
