import { DataSource } from 'typeorm';
import { request as httpRequest } from 'undici';
import { EgressRefusedAddressError } from '../src/egress/egress.errors.js';
import { EgressService } from '../src/egress/egress.service.js';
import { SecretsService } from '../src/secrets/secrets.service.js';
import { loginAs, type Session } from './support/auth.js';
import { NEVER_CACHE } from './support/error-shape.js';
import { Factories } from './support/factories.js';
import { closedPort, signal, stubUpstreams, type StubUpstream } from './support/stub-upstream.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait.js';

const KEY = 'sk-upstream-key-0123456789';
/** A marker that must never leave the prompt: not in the journal, not in the log. */
const SECRET_PROMPT = 'the-prompt-text-nobody-may-log-7f3a';
const COMPLETION = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  choices: [{ index: 0, message: { role: 'assistant', content: 'hi there' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 },
};
const url = (ref: string | number) => `/api/v1/prompts/passthrough/${ref}/`;
const prompt = (extra: Record<string, unknown> = {}) => ({
  messages: [{ role: 'user', content: SECRET_PROMPT }],
  ...extra,
});

describe('prompt passthrough', () => {
  let t: TestApp;
  let db: DataSource;
  let f: Factories;
  const start = stubUpstreams();
  let alice: Session;
  let aliceProfile: number;
  let secrets: SecretsService;
  const logs: string[] = [];
  let restoreStdout: () => void;

  /** An active provider of alice's with a key, pointing at `upstream` (null: a call that never goes out). */
  async function provider(
    upstream: StubUpstream | null,
    opts: { name?: string; key?: string | null; active?: boolean; baseUrl?: string; defaultModel?: string } = {},
  ): Promise<number> {
    const id = await f.provider(aliceProfile, {
      name: opts.name,
      baseUrl: opts.baseUrl ?? (upstream ? `${upstream.origin}/v1` : undefined),
    });
    const key = opts.key === undefined ? KEY : opts.key;
    await db.query(`UPDATE providers SET api_key_ciphertext = $2, is_active = $3, default_model = $4 WHERE id = $1`, [
      id,
      key === null ? null : secrets.encrypt(key),
      opts.active ?? true,
      opts.defaultModel ?? 'stub-model',
    ]);
    return id;
  }

  const usageRows = (providerId: number) =>
    db.query(`SELECT row_to_json(u)::text AS row, u.* FROM prompt_usage u WHERE provider_id = $1`, [providerId]);

  beforeAll(async () => {
    // Nest's logger writes to stdout: kept here, so that the test can read it.
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string | Uint8Array) => {
      logs.push(String(chunk));
      return true;
    }) as typeof process.stdout.write;
    restoreStdout = () => (process.stdout.write = write);

    t = await startTestApp({
      EGRESS_ALLOW_HOSTS: '127.0.0.1',
      EGRESS_FIRST_BYTE_TIMEOUT_MS: '800',
      LOG_LEVEL: 'debug',
    });
    db = t.app.get(DataSource);
    secrets = t.app.get(SecretsService);
    f = new Factories(db);
    const account = await f.account();
    const aliceId = await f.user({ username: 'alice' });
    aliceProfile = await f.profile(aliceId, account);
    alice = await loginAs(t, 'alice');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    restoreStdout?.();
    await t?.close();
  });

  const listening = () => `http://127.0.0.1:${(t.app.getHttpServer().address() as { port: number }).port}`;

  it('forwards the body with the provider key only, and relays the JSON answer unchanged', async () => {
    const answer = JSON.stringify(COMPLETION);
    const upstream = await start((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(answer));
    const id = await provider(upstream);
    const res = await t.inject({
      method: 'POST',
      url: url(id),
      headers: {
        ...alice.browser,
        'x-forwarded-for': '203.0.113.9',
        'x-request-id': 'caller-request-id',
        'user-agent': 'caller-agent',
        'x-smarter-anything': 'caller',
      },
      payload: prompt({ temperature: 0.2 }),
      remoteAddress: '203.0.113.10',
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toBe(answer);
    expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    const [got] = upstream.received;
    expect(got.method).toBe('POST');
    expect(got.path).toBe('/v1/chat/completions');
    expect(JSON.parse(got.body)).toEqual({ ...prompt({ temperature: 0.2 }), model: 'stub-model' });
    expect(got.headers.authorization).toBe(`Bearer ${KEY}`);
    expect(Object.keys(got.headers).sort()).toEqual([
      'accept',
      'authorization',
      'connection',
      'content-length',
      'content-type',
      'host',
    ]);
    const everything = JSON.stringify(got);
    for (const mine of [alice.token, alice.csrf, '203.0.113', 'caller']) expect(everything).not.toContain(mine);
  });

  it("keeps the caller's model", async () => {
    const upstream = await start((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const id = await provider(upstream);
    const res = await t.inject({
      method: 'POST',
      url: url(id),
      headers: alice.bearer,
      payload: prompt({ model: 'mine' }),
    });
    expect(res.statusCode).toBe(200);
    expect(JSON.parse(upstream.received[0].body).model).toBe('mine');
  });

  it('passes an upstream 4xx through, status and body', async () => {
    const body = '{"error":{"message":"bad model","type":"invalid_request_error"}}';
    const upstream = await start((_req, res) => res.writeHead(400, { 'content-type': 'application/json' }).end(body));
    const res = await t.inject({
      method: 'POST',
      url: url(await provider(upstream)),
      headers: alice.bearer,
      payload: prompt(),
    });
    expect(res.statusCode).toBe(400);
    expect(res.body).toBe(body);
  });

  it('maps an upstream 5xx to 502 naming its status', async () => {
    const upstream = await start((_req, res) => res.writeHead(503, { 'content-type': 'text/plain' }).end('down'));
    const res = await t.inject({
      method: 'POST',
      url: url(await provider(upstream)),
      headers: alice.bearer,
      payload: prompt(),
    });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({
      statusCode: 502,
      error: 'Bad Gateway',
      code: 'upstream_server_error',
      upstream_status: 503,
    });
    expect(res.json().message).toContain('503');
  });

  it('maps a timeout to 504', async () => {
    const upstream = await start(() => undefined);
    const res = await t.inject({
      method: 'POST',
      url: url(await provider(upstream)),
      headers: alice.bearer,
      payload: prompt(),
    });
    expect(res.statusCode).toBe(504);
    expect(res.json()).toMatchObject({ statusCode: 504, code: 'egress_timeout' });
  });

  it('maps a refused connection to 502', async () => {
    const id = await provider(null, { baseUrl: `http://127.0.0.1:${await closedPort()}/v1` });
    const res = await t.inject({ method: 'POST', url: url(id), headers: alice.bearer, payload: prompt() });
    expect(res.statusCode).toBe(502);
    expect(res.json()).toMatchObject({ statusCode: 502, code: 'egress_connect_failed' });
  });

  it('refuses private and metadata addresses that are not allowed, before connecting', async () => {
    for (const host of ['10.0.0.1', '169.254.169.254']) {
      const id = await provider(null, { baseUrl: `http://${host}/v1` });
      const res = await t.inject({ method: 'POST', url: url(id), headers: alice.bearer, payload: prompt() });
      expect(res.statusCode).toBe(502);
      expect(res.json()).toMatchObject({ code: 'egress_refused_address' });
    }
    // An egress module without the tests' allowance refuses loopback too: the stub sees nothing.
    const strict = new EgressService({});
    const upstream = await start((_req, res) => res.end('{}'));
    await expect(
      strict.request({ url: `${upstream.origin}/v1/chat/completions`, method: 'POST' }),
    ).rejects.toBeInstanceOf(EgressRefusedAddressError);
    expect(upstream.connections).toBe(0);
    await strict.onApplicationShutdown();
  });

  it('relays a stream chunk by chunk: the first chunk arrives before the upstream has finished', async () => {
    const rest = signal();
    const upstream = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"first"}}]}\n\n');
      void rest.promise.then(() => {
        res.write('data: {"choices":[{"delta":{"content":"second"}}]}\n\n');
        res.write('data: {"choices":[],"usage":{"prompt_tokens":5,"completion_tokens":2,"total_tokens":7}}\n\n');
        res.end('data: [DONE]\n\n');
      });
    });
    const id = await provider(upstream);
    const res = await httpRequest(`${listening()}${url(id)}`, {
      method: 'POST',
      headers: { ...alice.bearer, 'content-type': 'application/json' },
      body: JSON.stringify(prompt({ stream: true })),
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toBe('text/event-stream');
    expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    const chunks: string[] = [];
    for await (const chunk of res.body) {
      chunks.push(String(chunk));
      // The upstream is still holding the rest: this chunk was relayed, not buffered.
      if (chunks.length === 1) {
        expect(chunks[0]).toContain('first');
        expect(chunks[0]).not.toContain('second');
        rest.resolve();
      }
    }
    expect(chunks.join('')).toContain('data: [DONE]');
    const { value } = await waitFor(
      () => usageRows(id),
      (rows) => rows.length === 1,
      { timeoutMs: 5000, what: 'usage row' },
    );
    expect(value[0]).toMatchObject({
      streamed: true,
      upstream_status: 200,
      outcome: 'ok',
      prompt_tokens: 5,
      completion_tokens: 2,
      total_tokens: 7,
    });
  });

  it('aborts the upstream call when the client goes away', async () => {
    let upstreamClosed: Promise<void> | undefined;
    const upstream = await start((_req, res, received) => {
      upstreamClosed = received.connectionClosed;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"first"}}]}\n\n');
      // …and never the rest.
    });
    const id = await provider(upstream);
    const res = await httpRequest(`${listening()}${url(id)}`, {
      method: 'POST',
      headers: { ...alice.bearer, 'content-type': 'application/json' },
      body: JSON.stringify(prompt({ stream: true })),
    });
    for await (const chunk of res.body) {
      expect(String(chunk)).toContain('first');
      break;
    }
    res.body.destroy();
    await expect(upstreamClosed).resolves.toBeUndefined();
    const { value } = await waitFor(
      () => usageRows(id),
      (rows) => rows.length === 1,
      { timeoutMs: 5000, what: 'usage row' },
    );
    expect(value[0]).toMatchObject({ streamed: true, outcome: 'egress_aborted' });
  });

  it('gives the slot back when a client leaves before the first byte, so leaving never leads to 429', async () => {
    const upstream = await start((_req, res) =>
      res.writeHead(200, { 'content-type': 'text/event-stream' }).flushHeaders(),
    );
    const id = await provider(upstream);
    for (let i = 1; i <= 5; i++) {
      const leave = new AbortController();
      const call = httpRequest(`${listening()}${url(id)}`, {
        method: 'POST',
        headers: { ...alice.bearer, 'content-type': 'application/json' },
        body: JSON.stringify(prompt({ stream: true })),
        signal: leave.signal,
      });
      await waitFor(
        () => upstream.received.length,
        (n) => n === i,
        { timeoutMs: 5000, what: `call ${i} upstream` },
      );
      leave.abort();
      await expect(call).rejects.toThrow();
    }
    const { value } = await waitFor(
      () => usageRows(id),
      (rows) => rows.length === 5,
      { timeoutMs: 5000, what: 'five usage rows' },
    );
    expect(value.every((r: { outcome: string }) => r.outcome === 'egress_aborted')).toBe(true);
    const answering = await start((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
    const after = await t.inject({
      method: 'POST',
      url: url(await provider(answering)),
      headers: alice.bearer,
      payload: prompt(),
    });
    expect(after.statusCode).toBe(200);
  });

  describe('refusals', () => {
    it('404 for an unknown id or slug, and for a provider the caller may not read', async () => {
      const other = await f.provider(await f.profile(await f.user(), await f.account()), { name: 'Not Alices' });
      for (const ref of ['999999', 'no-such-provider', String(other), 'not-alices']) {
        const res = await t.inject({ method: 'POST', url: url(ref), headers: alice.bearer, payload: prompt() });
        expect(res.statusCode).toBe(404);
        expect(res.json()).toMatchObject({ code: 'provider_not_found' });
      }
    });

    it('409 for an inactive provider and for one without a key', async () => {
      const inactive = await provider(null, { active: false });
      const keyless = await provider(null, { key: null });
      const a = await t.inject({ method: 'POST', url: url(inactive), headers: alice.bearer, payload: prompt() });
      expect(a.statusCode).toBe(409);
      expect(a.json()).toMatchObject({ code: 'provider_not_active', message: 'provider is not active' });
      const b = await t.inject({ method: 'POST', url: url(keyless), headers: alice.bearer, payload: prompt() });
      expect(b.statusCode).toBe(409);
      expect(b.json()).toMatchObject({ code: 'provider_has_no_api_key', message: 'provider has no API key' });
    });

    it('resolves a slug, and answers 409 with the ids when it names several', async () => {
      const upstream = await start((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
      const one = await provider(upstream, { name: 'Unique Gateway (EU)' });
      expect(
        (await t.inject({ method: 'POST', url: url('unique-gateway-eu'), headers: alice.bearer, payload: prompt() }))
          .statusCode,
      ).toBe(200);
      const first = await provider(upstream, { name: 'Twin Gateway' });
      const second = await provider(upstream, { name: '--twin  gateway!' });
      const res = await t.inject({
        method: 'POST',
        url: url('twin-gateway'),
        headers: alice.bearer,
        payload: prompt(),
      });
      expect(res.statusCode).toBe(409);
      expect(res.json()).toMatchObject({ code: 'provider_slug_ambiguous', ids: [first, second] });
      expect(one).toBeGreaterThan(0);
    });

    it('400 with problems for a body without messages', async () => {
      const id = await provider(null);
      const res = await t.inject({ method: 'POST', url: url(id), headers: alice.bearer, payload: { model: 'x' } });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code: 'invalid_prompt', problems: [{ field: 'messages' }] });
    });

    it('takes bodies up to 1 MiB, and answers 413 above', async () => {
      const upstream = await start((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
      const id = await provider(upstream);
      const big = (n: number) => JSON.stringify(prompt({ padding: 'x'.repeat(n) }));
      const ok = await t.inject({
        method: 'POST',
        url: url(id),
        headers: { ...alice.bearer, 'content-type': 'application/json' },
        payload: big(900 * 1024),
      });
      expect(ok.statusCode).toBe(200);
      const tooBig = await t.inject({
        method: 'POST',
        url: url(id),
        headers: { ...alice.bearer, 'content-type': 'application/json' },
        payload: big(1024 * 1024),
      });
      expect(tooBig.statusCode).toBe(413);
    });

    it('refuses a cookie call without the CSRF header', async () => {
      const id = await provider(null);
      const res = await t.inject({
        method: 'POST',
        url: url(id),
        headers: { cookie: alice.cookies },
        payload: prompt(),
      });
      expect(res.statusCode).toBe(403);
    });

    it('429 with Retry-After beyond 4 calls in flight for one user', async () => {
      const go = signal();
      const upstream = await start((_req, res) => {
        void go.promise.then(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
      });
      const id = await provider(upstream);
      const held = [1, 2, 3, 4].map(() =>
        t.inject({ method: 'POST', url: url(id), headers: alice.bearer, payload: prompt() }),
      );
      await waitFor(
        () => upstream.received.length,
        (n) => n === 4,
        { timeoutMs: 5000, what: 'four calls upstream' },
      );
      const fifth = await t.inject({ method: 'POST', url: url(id), headers: alice.bearer, payload: prompt() });
      expect(fifth.statusCode).toBe(429);
      expect(fifth.headers['retry-after']).toBe('1');
      expect(fifth.json()).toMatchObject({ code: 'too_many_concurrent_prompts' });
      go.resolve();
      expect((await Promise.all(held)).map((r) => r.statusCode)).toEqual([200, 200, 200, 200]);
      const after = await t.inject({ method: 'POST', url: url(id), headers: alice.bearer, payload: prompt() });
      expect(after.statusCode).toBe(200);
    });
  });

  it('journals each call with its figures and never the prompt, in the table or the log', async () => {
    const upstream = await start((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(COMPLETION)),
    );
    const id = await provider(upstream);
    const res = await t.inject({ method: 'POST', url: url(id), headers: alice.bearer, payload: prompt() });
    expect(res.statusCode).toBe(200);
    const { value } = await waitFor(
      () => usageRows(id),
      (rows) => rows.length === 1,
      { timeoutMs: 5000, what: 'usage row' },
    );
    const [row] = value;
    expect(row).toMatchObject({
      provider_id: id,
      model: 'stub-model',
      streamed: false,
      upstream_status: 200,
      outcome: 'ok',
      prompt_tokens: 11,
      completion_tokens: 3,
      total_tokens: 14,
    });
    expect(row.duration_ms).toBeGreaterThanOrEqual(row.time_to_first_byte_ms);
    expect(row.row).not.toContain(SECRET_PROMPT);
    expect(row.row).not.toContain('hi there');
    const log = logs.join('');
    expect(log).toContain(`passthrough user=`);
    expect(log).not.toContain(SECRET_PROMPT);
    expect(log).not.toContain(KEY);
  });
});
