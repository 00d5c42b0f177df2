import { SpanStatusCode, trace, type Context } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type Span, type SpanProcessor } from '@opentelemetry/sdk-trace-node';
import { currentRequestId } from './request-context.js';
import { installTracer } from './tracing.js';

export interface TracingSettings {
  /** OTLP/HTTP base URL; spans go to `<endpoint>/v1/traces`. */
  endpoint: string;
  serviceName: string;
}

/** The attribute every span of a request carries, named as in the log lines. */
export const REQUEST_ID_ATTRIBUTE = 'request_id';

/**
 * Stamps each span with the id of the request it was started for (the SQL queries, the
 * upstream calls, the guard), so that a trace and the request's log lines find each other.
 */
class RequestIdSpanProcessor implements SpanProcessor {
  onStart(span: Span, _parentContext: Context): void {
    const requestId = currentRequestId();
    if (requestId !== undefined) span.setAttribute(REQUEST_ID_ATTRIBUTE, requestId);
  }
  onEnd(): void {}
  forceFlush(): Promise<void> {
    return Promise.resolve();
  }
  shutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/**
 * Starts exporting traces. Loaded (by dynamic import, main.ts) only when
 * OTEL_EXPORTER_OTLP_ENDPOINT is set, and before the application's modules: the
 * instrumentations patch `http` (the request), `pg` (each query) as they are required, and
 * listen to undici's diagnostics channels (each upstream call, egress/). The guard has no
 * library to instrument: it opens its span itself (tracing.ts).
 */
export function startTracing(settings: TracingSettings): void {
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({ 'service.name': settings.serviceName }),
    spanProcessors: [
      new RequestIdSpanProcessor(),
      new BatchSpanProcessor(new OTLPTraceExporter({ url: `${settings.endpoint.replace(/\/+$/, '')}/v1/traces` })),
    ],
  });
  provider.register();
  registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // Scrapes (METRICS_PORT) are not traffic; the service's own outbound calls go through
        // undici, which has its own instrumentation.
        ignoreIncomingRequestHook: (request) => (request.url ?? '').split('?')[0] === '/metrics',
        ignoreOutgoingRequestHook: () => true,
      }),
      // Queries outside any request (the job queue's polling) would be a trace each, every few
      // seconds. Waiting for a connection shows in db_pool_waiting, not as a span per query.
      new PgInstrumentation({ requireParentSpan: true, ignoreConnectSpans: true }),
      new UndiciInstrumentation(),
    ],
  });
  const tracer = provider.getTracer('providers-service');
  installTracer({
    inSpan: (name, fn) =>
      tracer.startActiveSpan(name, async (span) => {
        try {
          return await fn();
        } catch (err) {
          span.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).name });
          throw err;
        } finally {
          span.end();
        }
      }),
    tagRequestSpan({ id, method, route }) {
      const span = trace.getActiveSpan();
      if (!span) return;
      span.updateName(`${method} ${route}`);
      span.setAttribute('http.route', route);
      span.setAttribute(REQUEST_ID_ATTRIBUTE, id);
    },
    shutdown: () => provider.shutdown(),
  });
}
