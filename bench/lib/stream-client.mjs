import http from 'node:http';

/**
 * `connections` clients on keep-alive connections, each sending the same POST back to back for
 * `seconds` and reading the answer as it streams in. Per call: the time to the first byte of
 * the body (the first event) and to its end. wrk cannot see the first chunk of a body, hence
 * this client. With `leaveAfter`, each call is abandoned once that many events have arrived
 * (`leaveAfter(random)` gives the number): the client closes its connection mid-stream, as a
 * closed browser tab does. Client i always uses token i (mod their number), so no user has
 * more than one call in flight from here.
 */
export async function streamLoad({ url, tokens, body, connections, seconds, leaveAfter, seed = 42 }) {
  const target = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: connections });
  const payload = Buffer.from(body);
  const random = mulberry32(seed);
  const calls = [];
  const started = performance.now();
  const deadline = started + seconds * 1000;
  const client = async (i) => {
    const token = tokens[i % tokens.length];
    while (performance.now() < deadline) {
      calls.push(await oneCall({ agent, target, token, payload, leaveAt: leaveAfter ? leaveAfter(random) : null }));
    }
  };
  await Promise.all(Array.from({ length: connections }, (_, i) => client(i)));
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return summarise(calls, elapsed);
}

function oneCall({ agent, target, token, payload, leaveAt }) {
  return new Promise((resolve) => {
    const started = performance.now();
    let firstMs = null;
    let events = 0;
    let previousByte = 0;
    let settled = false;
    const settle = (result) => {
      if (settled) return;
      settled = true;
      resolve({ firstMs, totalMs: performance.now() - started, events, ...result });
    };
    const request = http.request(
      {
        agent,
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': payload.length,
        },
      },
      (response) => {
        response.on('data', (chunk) => {
          firstMs ??= performance.now() - started;
          events += countEventEnds(chunk, previousByte);
          previousByte = chunk[chunk.length - 1];
          if (leaveAt !== null && events >= leaveAt && !settled) {
            request.destroy();
            settle({ status: response.statusCode, left: true });
          }
        });
        response.on('end', () => settle({ status: response.statusCode, left: false }));
        response.on('error', (err) => settle({ status: response.statusCode, error: err.code ?? err.message }));
        // Closed by the server before its end: a stream cut short is an error, not a figure.
        response.on('close', () => settle({ status: response.statusCode, error: 'closed before the end' }));
      },
    );
    request.on('error', (err) => settle({ status: null, error: err.code ?? err.message }));
    request.end(payload);
  });
}

/** Server-sent events end with a blank line: each "\n\n", including one split across two chunks. */
function countEventEnds(chunk, previousByte) {
  let count = previousByte === 0x0a && chunk[0] === 0x0a ? 1 : 0;
  for (let at = chunk.indexOf('\n\n'); at !== -1; at = chunk.indexOf('\n\n', at + 2)) count++;
  return count;
}

export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

function summarise(calls, seconds) {
  const ok = calls.filter((c) => c.status === 200 && !c.error);
  const firsts = ok
    .map((c) => c.firstMs)
    .filter((x) => x !== null)
    .sort((a, b) => a - b);
  const totals = ok
    .filter((c) => !c.left)
    .map((c) => c.totalMs)
    .sort((a, b) => a - b);
  return {
    calls: calls.length,
    seconds,
    callsPerSecond: calls.length / seconds,
    firstP50Ms: percentile(firsts, 50),
    firstP99Ms: percentile(firsts, 99),
    totalP50Ms: percentile(totals, 50),
    totalP99Ms: percentile(totals, 99),
    eventsPerCall: ok.filter((c) => !c.left).reduce((a, c) => a + c.events, 0) / Math.max(1, totals.length),
    left: calls.filter((c) => c.left).length,
    non200: calls.filter((c) => c.status !== null && c.status !== 200).length,
    errors: calls.filter((c) => c.error && !c.left).length,
  };
}

/** A small seeded generator, so that every run leaves its streams at the same points. */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
