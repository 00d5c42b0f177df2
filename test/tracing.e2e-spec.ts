import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { SecretsService } from '../src/secrets/secrets.service.js';
import { Factories } from './support/factories.js';
import { startService, tokenFor, type ServiceProcess } from './support/service-process.js';
import { startStubUpstream, type StubUpstream } from './support/stub-upstream.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { waitFor } from './support/wait.js';

/** One span as the OTLP/HTTP JSON exporter sends it, its attributes flattened. */
interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  scope: string;
  attributes: Record<string, unknown>;
}

const SPAN_KIND = { server: 2, client: 3 } as const;

/** A stand-in OpenTelemetry collector on loopback: OTLP/HTTP JSON in, every span kept. */
async function startCollector(): Promise<{
  url: string;
  spans: ReceivedSpan[];
  paths: string[];
  services: Set<string>;
  close(): Promise<void>;
}> {
  const spans: ReceivedSpan[] = [];
  const paths: string[] = [];
  const services = new Set<string>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      paths.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      for (const resource of body.resourceSpans ?? []) {
        for (const a of resource.resource?.attributes ?? [])
          if (a.key === 'service.name') services.add(a.value.stringValue);
        for (const scoped of resource.scopeSpans ?? [])
          for (const span of scoped.spans ?? [])
            spans.push({
              traceId: span.traceId,
              spanId: span.spanId,
              parentSpanId: span.parentSpanId || undefined,
              name: span.name,
              kind: span.kind,
              scope: scoped.scope?.name,
              attributes: Object.fromEntries(
                (span.attributes ?? []).map((a: { key: string; value: Record<string, unknown> }) => [
                  a.key,
                  Object.values(a.value)[0],
                ]),
              ),
            });
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    spans,
    paths,
    services,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** A module hook (given through NODE_OPTIONS) that fails any import of OpenTelemetry's packages. */
const HOOKS = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('@opentelemetry/')) throw new Error('OpenTelemetry was loaded: ' + specifier);
  return next(specifier, context);
}`;
const REGISTER = `import { register } from 'node:module'; register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)});`;
const NO_OPENTELEMETRY = { NODE_OPTIONS: `--import=data:text/javascript,${encodeURIComponent(REGISTER)}` };

const KEY = 'sk-tracing-test-key-0042';

describe('OpenTelemetry traces (the built service)', () => {
  let db: TestDatabase;
  let ds: DataSource;
  let collector: Awaited<ReturnType<typeof startCollector>>;
  let upstream: StubUpstream;
  let env: Record<string, string>;
  let providerId: number;

  beforeAll(async () => {
    db = await createTestDatabase();
    ds = new DataSource(dataSourceOptions({ url: db.url, poolSize: 2, statementTimeoutMs: 10_000 }));
    await ds.initialize();
    collector = await startCollector();
    upstream = await startStubUpstream((_req, res) =>
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ choices: [] })),
    );
    const secretsKey = randomBytes(32).toString('base64');
    const f = new Factories(ds);
    const alice = await f.user({ username: 'alice' });
    providerId = await f.provider(await f.profile(alice, await f.account()), { baseUrl: `${upstream.origin}/v1` });
    await ds.query(
      `UPDATE providers SET api_key_ciphertext = $2, is_active = true, default_model = 'm' WHERE id = $1`,
      [providerId, new SecretsService({ key: secretsKey, production: false, dataDir: '/nonexistent' }).encrypt(KEY)],
    );
    env = {
      NODE_ENV: 'test',
      DATABASE_URL: db.url,
      DEMO_DATA: 'false',
      SECRETS_KEY: secretsKey,
      EGRESS_ALLOW_HOSTS: `127.0.0.1:${upstream.port}`,
    };
  }, 60_000);
  afterAll(async () => {
    await collector?.close();
    await upstream?.close();
    await ds?.destroy();
    await db?.drop();
  });

  describe('with OTEL_EXPORTER_OTLP_ENDPOINT set', () => {
    let service: ServiceProcess;
    beforeAll(async () => {
      // OTEL_BSP_SCHEDULE_DELAY is the SDK's own: spans are sent within 100 ms rather than 5 s.
      service = await startService({
        ...env,
        OTEL_EXPORTER_OTLP_ENDPOINT: collector.url,
        OTEL_SERVICE_NAME: 'providers-under-test',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      });
    }, 60_000);
    afterAll(async () => {
      await service?.kill();
    });

    /** The spans stamped with a request id, once the request's own (server) span has arrived. */
    const spansOf = async (requestId: string) => {
      const { value } = await waitFor(
        () => collector.spans.filter((s) => s.attributes.request_id === requestId),
        (spans) => spans.some((s) => s.kind === SPAN_KIND.server),
        {
          timeoutMs: 10_000,
          intervalMs: 50,
          what: `the spans of ${requestId}`,
          details: () => collector.paths.join('\n'),
        },
      );
      return value;
    };

    it('a providers request: its span, the guard, each SQL query, all with the request id', async () => {
      const token = await tokenFor(service.base, 'alice');
      const res = await fetch(`${service.base}/api/v1/providers`, {
        headers: { authorization: `Bearer ${token}`, 'x-request-id': 'trace-list-1' },
      });
      expect(res.status).toBe(200);
      const spans = await spansOf('trace-list-1');

      const [request] = spans.filter((s) => s.kind === SPAN_KIND.server);
      expect(request).toMatchObject({ name: 'GET /api/v1/providers', parentSpanId: undefined });
      expect(request.attributes['http.route']).toBe('/api/v1/providers');
      expect(spans.every((s) => s.traceId === request.traceId)).toBe(true);

      const guard = spans.find((s) => s.name === 'auth.guard');
      expect(guard?.parentSpanId).toBe(request.spanId);

      const queries = spans.filter((s) => s.scope === '@opentelemetry/instrumentation-pg');
      const sql = (s: ReceivedSpan) => String(s.attributes['db.query.text'] ?? s.attributes['db.statement'] ?? '');
      // The guard's user check runs inside its span; the list query after it, in the request's.
      expect(queries.filter((q) => q.parentSpanId === guard!.spanId).map(sql)).toEqual(
        expect.arrayContaining([expect.stringMatching(/FROM users/)]),
      );
      expect(queries.filter((q) => q.parentSpanId === request.spanId).map(sql)).toEqual(
        expect.arrayContaining([expect.stringMatching(/FROM providers/)]),
      );
      // Statements only, never the values bound to them (the sign-in's query bound the username).
      expect(JSON.stringify(collector.spans)).not.toContain('alice');
      expect(collector.paths[0]).toBe('POST /v1/traces application/json');
    });

    it('a passthrough call: the upstream call is a span of the request, with its id', async () => {
      const token = await tokenFor(service.base, 'alice');
      const res = await fetch(`${service.base}/api/v1/prompts/passthrough/${providerId}/`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'x-request-id': 'trace-pass-1',
        },
        body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(res.status).toBe(200);
      const spans = await spansOf('trace-pass-1');
      const [request] = spans.filter((s) => s.kind === SPAN_KIND.server);
      const calls = spans.filter(
        (s) => s.kind === SPAN_KIND.client && s.scope === '@opentelemetry/instrumentation-undici',
      );
      expect(calls).toHaveLength(1);
      expect(calls[0].traceId).toBe(request.traceId);
      expect(String(calls[0].attributes['url.full'])).toBe(`${upstream.origin}/v1/chat/completions`);
      expect(calls[0].attributes['http.response.status_code']).toBe(200);
      // The provider's key travels in a header, which the span does not record.
      expect(JSON.stringify(collector.spans)).not.toContain(KEY);
    });

    it('a verification job: a trace of its own, with its queries and its upstream call beneath it', async () => {
      const token = await tokenFor(service.base, 'alice');
      const res = await fetch(`${service.base}/api/v1/providers/${providerId}/verify`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(202);
      const { value: job } = await waitFor(
        () => collector.spans.find((s) => s.name === 'job provider-verification'),
        (span) => span !== undefined,
        { timeoutMs: 15_000, intervalMs: 50, what: 'the verification job span' },
      );
      const beneath = () => collector.spans.filter((s) => s.parentSpanId === job!.spanId);
      const { value: children } = await waitFor(beneath, (spans) => spans.some((s) => s.kind === SPAN_KIND.client), {
        timeoutMs: 5000,
        what: "the job's children",
      });
      expect(job!.parentSpanId).toBeUndefined();
      expect(children.map((s) => s.scope)).toEqual(
        expect.arrayContaining(['@opentelemetry/instrumentation-pg', '@opentelemetry/instrumentation-undici']),
      );
    });

    it('exports under OTEL_SERVICE_NAME, and says where to', async () => {
      expect([...collector.services]).toEqual(['providers-under-test']);
      expect(service.output()).toContain(`Exporting traces to ${collector.url}`);
    });
  });

  describe('with it unset', () => {
    it('starts and answers without ever importing OpenTelemetry', async () => {
      const service = await startService({ ...env, ...NO_OPENTELEMETRY });
      try {
        const token = await tokenFor(service.base, 'alice');
        const res = await fetch(`${service.base}/api/v1/providers`, { headers: { authorization: `Bearer ${token}` } });
        expect(res.status).toBe(200);
        expect(service.output()).not.toMatch(/OpenTelemetry was loaded|Exporting traces/);
      } finally {
        await service.kill();
      }
    }, 60_000);

    it('while with it set, the same hook sees the import (so it would have seen one above)', async () => {
      await expect(
        startService({ ...env, ...NO_OPENTELEMETRY, OTEL_EXPORTER_OTLP_ENDPOINT: collector.url }),
      ).rejects.toThrow(/OpenTelemetry was loaded: @opentelemetry\//);
    }, 60_000);
  });
});
