/**
 * The service's view of tracing, which imports nothing of OpenTelemetry: when
 * OTEL_EXPORTER_OTLP_ENDPOINT is unset, none of it is ever loaded (main.ts), and these calls
 * only run the code they are given. When it is set, opentelemetry.ts installs its tracer here
 * before the application loads.
 */
export interface ServiceTracer {
  /** Runs `fn` inside a span of its own, a child of the span it was called in. */
  inSpan<T>(name: string, fn: () => Promise<T>): Promise<T>;
  /** Names the request's own span after its route, and gives it the request id. */
  tagRequestSpan(request: { id: string; method: string; route: string }): void;
  /** Sends the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

let tracer: ServiceTracer | null = null;

export function installTracer(installed: ServiceTracer): void {
  tracer = installed;
}

export function tracingOn(): boolean {
  return tracer !== null;
}

export function inSpan<T>(name: string, fn: () => Promise<T>): Promise<T> {
  return tracer ? tracer.inSpan(name, fn) : fn();
}

export function tagRequestSpan(request: { id: string; method: string; route: string }): void {
  tracer?.tagRequestSpan(request);
}

export async function shutdownTracing(): Promise<void> {
  const current = tracer;
  tracer = null;
  await current?.shutdown();
}
