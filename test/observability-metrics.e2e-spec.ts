import { DataSource } from 'typeorm';
import { JobQueue } from '../src/jobs/job-queue.js';
import { MetricsServer } from '../src/observability/metrics-server.js';
import { VERIFICATION_QUEUE } from '../src/providers/verification/verification.service.js';
import { SecretsService } from '../src/secrets/secrets.service.js';
import { loginAs } from './support/auth.js';
import { Factories } from './support/factories.js';
import { stubUpstreams } from './support/stub-upstream.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { sleep, waitFor } from './support/wait.js';

const PROVIDERS = '/dashboard/passthrough/api/providers/';

/** The value of one sample line (`name{labels} value`) in a Prometheus text exposition. */
function sample(text: string, name: string, labels = ''): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `) || (!labels && l.startsWith(`${name}{`)));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('metrics on METRICS_PORT', () => {
  let t: TestApp;
  let metricsUrl: string;

  beforeAll(async () => {
    t = await startTestApp({ METRICS_PORT: '0', PROVIDERS_CACHE: 'on', LOGIN_MAX_FAILURES_PER_USER: '2' });
    const f = new Factories(t.app.get(DataSource));
    const alice = await f.user({ username: 'alice' });
    await f.provider(await f.profile(alice, await f.account()));
    metricsUrl = `http://127.0.0.1:${t.app.get(MetricsServer).port}/metrics`;
  });
  afterAll(async () => {
    await t?.close();
  });

  const scrape = async () => {
    const res = await fetch(metricsUrl);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  it('exports requests by route pattern and status, sign-in failures, throttling, the cache and the pool', async () => {
    const alice = await loginAs(t, 'alice');
    for (let i = 0; i < 3; i++) {
      await t.inject({ method: 'POST', url: PROVIDERS, headers: alice.bearer });
    }
    for (let i = 0; i < 3; i++) {
      await t.inject({ method: 'POST', url: '/auth/login', payload: { username: 'bob', password: 'wrong' } });
    }
    await t.inject({ method: 'GET', url: '/auth/me?secret=x' });

    const text = await scrape();
    expect(
      sample(
        text,
        'http_request_duration_seconds_count',
        '{method="POST",route="/dashboard/passthrough/api/providers",status="200"}',
      ),
    ).toBe(3);
    expect(sample(text, 'http_request_duration_seconds_count', '{method="GET",route="/auth/me",status="401"}')).toBe(1);
    expect(text).not.toContain('secret=x');
    expect(sample(text, 'auth_sign_in_failures_total')).toBe(2);
    expect(sample(text, 'auth_sign_in_throttled_total')).toBe(1);
    expect(sample(text, 'auth_password_checks_waiting')).toBe(0);
    expect(sample(text, 'providers_list_cache_misses_total')).toBe(1);
    expect(sample(text, 'providers_list_cache_hits_total')).toBe(2);
    // alice's plan (which accounts she reads), her account's fragment, and her composed answer.
    expect(sample(text, 'providers_list_cache_entries')).toBe(3);
    expect(sample(text, 'providers_list_cache_bytes')).toBeGreaterThan(0);
    expect(sample(text, 'providers_list_cache_evictions_total')).toBe(0);
    expect(sample(text, 'db_change_listener_live')).toBe(1);
    expect(sample(text, 'db_pool_size')).toBeGreaterThan(0);
    expect(sample(text, 'db_pool_waiting')).toBe(0);
    for (const name of [
      'nodejs_eventloop_lag_p99_seconds',
      'process_cpu_seconds_total',
      'nodejs_heap_size_used_bytes',
    ]) {
      expect(text).toContain(`# TYPE ${name}`);
    }
  });

  it('counts failed queries by kind', async () => {
    await expect(t.app.get(DataSource).query(`SELECT * FROM no_such_table`)).rejects.toThrow();
    expect(sample(await scrape(), 'db_query_errors_total', '{kind="sqlstate_42"}')).toBe(1);
  });

  it('is not on the public port, and the metrics port serves nothing else', async () => {
    const res = await t.inject({ method: 'GET', url: '/metrics' });
    expect([401, 404]).toContain(res.statusCode);
    expect(res.body).not.toContain('http_request_duration_seconds');
    const other = await fetch(metricsUrl.replace('/metrics', '/'));
    expect(other.status).toBe(404);
  });
});

describe('passthrough and job queue metrics', () => {
  let t: TestApp;
  let metricsUrl: string;
  let f: Factories;
  let profile: number;
  const start = stubUpstreams();

  beforeAll(async () => {
    t = await startTestApp({ METRICS_PORT: '0', EGRESS_ALLOW_HOSTS: '127.0.0.1' });
    f = new Factories(t.app.get(DataSource));
    profile = await f.profile(await f.user({ username: 'alice' }), await f.account());
    metricsUrl = `http://127.0.0.1:${t.app.get(MetricsServer).port}/metrics`;
  });
  afterAll(async () => {
    await t?.close();
  });

  const scrape = () => fetch(metricsUrl).then((r) => r.text());

  /** An active provider of alice's with a key, calling `origin`. */
  async function provider(origin: string): Promise<number> {
    const id = await f.provider(profile, { baseUrl: `${origin}/v1` });
    await t.app
      .get(DataSource)
      .query(`UPDATE providers SET api_key_ciphertext = $2, is_active = true, default_model = 'm' WHERE id = $1`, [
        id,
        t.app.get(SecretsService).encrypt('sk-metrics-test-key'),
      ]);
    return id;
  }

  it('counts passthrough calls by provider id and status, tokens, and the time to first byte', async () => {
    const completion = { choices: [], usage: { prompt_tokens: 11, completion_tokens: 3, total_tokens: 14 } };
    const good = await start((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(completion)),
    );
    const bad = await start((_req, res) => res.writeHead(502).end());
    const [ok, failing] = [await provider(good.origin), await provider(bad.origin)];
    const alice = await loginAs(t, 'alice');
    const send = (id: number) =>
      t.inject({
        method: 'POST',
        url: `/api/v1/prompts/passthrough/${id}/`,
        headers: alice.bearer,
        payload: { messages: [{ role: 'user', content: 'hi' }] },
      });
    expect((await send(ok)).statusCode).toBe(200);
    expect((await send(ok)).statusCode).toBe(200);
    expect((await send(failing)).statusCode).toBe(502);

    // The usage row and the counters are written once the answer is out: waited for, not assumed.
    const { value: text } = await waitFor(scrape, (body) => body.includes(`provider="${failing}"`), {
      timeoutMs: 5000,
      what: 'the failed call in the metrics',
    });
    expect(sample(text, 'passthrough_calls_total', `{provider="${ok}",status="200",outcome="ok"}`)).toBe(2);
    expect(
      sample(text, 'passthrough_calls_total', `{provider="${failing}",status="502",outcome="upstream_server_error"}`),
    ).toBe(1);
    expect(sample(text, 'passthrough_prompt_tokens_total', `{provider="${ok}"}`)).toBe(22);
    expect(sample(text, 'passthrough_completion_tokens_total', `{provider="${ok}"}`)).toBe(6);
    expect(sample(text, 'passthrough_prompt_tokens_total', `{provider="${failing}"}`)).toBeUndefined();
    expect(sample(text, 'passthrough_upstream_first_byte_seconds_count', `{provider="${ok}"}`)).toBe(2);
    expect(sample(text, 'passthrough_upstream_first_byte_seconds_count', `{provider="${failing}"}`)).toBe(1);
    expect(sample(text, 'passthrough_upstream_first_byte_seconds_bucket', `{le="+Inf",provider="${ok}"}`)).toBe(2);
  });

  it("reports the job queue's depth and its failed attempts", async () => {
    expect(sample(await scrape(), 'job_queue_depth', `{queue="${VERIFICATION_QUEUE}"}`)).toBe(0);
    // A job its handler cannot do (the id is no number, so its first query fails): the attempt
    // fails, and the job waits for its retry, still counted in the queue's depth.
    await t.app.get(JobQueue).send(VERIFICATION_QUEUE, { providerId: 'not-a-number', requestedBy: null });
    // The attempt is counted as it fails; pg-boss then puts the job back, due for its retry.
    const depth = (body: string) => sample(body, 'job_queue_depth', `{queue="${VERIFICATION_QUEUE}"}`);
    const { value: text } = await waitFor(scrape, (body) => body.includes('job_failures_total{') && depth(body) === 1, {
      timeoutMs: 10_000,
      what: 'the failed attempt in the metrics',
      details: (body) =>
        body
          .split('\n')
          .filter((l) => l.startsWith('job_'))
          .join('\n'),
    });
    expect(sample(text, 'job_failures_total', `{queue="${VERIFICATION_QUEUE}",final="false"}`)).toBe(1);
    expect(sample(text, 'job_queue_depth', `{queue="${VERIFICATION_QUEUE}"}`)).toBe(1);
  });
});

describe('load shedding', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ SHED_MAX_EVENT_LOOP_DELAY_MS: '50', SHED_RETRY_AFTER_SECONDS: '3' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers 503 with Retry-After while the event loop is overloaded; /healthz still answers', async () => {
    await expect(t.inject({ method: 'GET', url: '/auth/me' })).resolves.toMatchObject({ statusCode: 401 });
    // Sustained CPU-bound work: the loop is held in long bursts with only short gaps, for up to a
    // few of the plugin's sampling periods, so that whatever the phase of its timer, a whole period
    // of delay is measured. A single burst could fall mostly into one period and be averaged away.
    let shed = await t.inject({ method: 'GET', url: '/auth/me' });
    const giveUpAt = Date.now() + 6000;
    while (shed.statusCode !== 503 && Date.now() < giveUpAt) {
      const until = Date.now() + 250;
      while (Date.now() < until);
      await sleep(1); // lets the plugin's sampling timer run when it is due
      shed = await t.inject({ method: 'GET', url: '/auth/me' });
    }
    expect(shed.statusCode).toBe(503);
    expect(shed.headers['retry-after']).toBe('3');
    // A shed answer is never cached and carries the security headers, like every other.
    expect(shed.headers['cache-control']).toBe('max-age=0, no-cache, no-store, must-revalidate, private');
    expect(shed.headers['x-content-type-options']).toBe('nosniff');
    expect(shed.json()).toEqual({
      statusCode: 503,
      error: 'Service Unavailable',
      message: 'Overloaded; try again shortly',
    });
    await expect(t.inject({ method: 'GET', url: '/healthz' })).resolves.toMatchObject({ statusCode: 200 });
  });
});
