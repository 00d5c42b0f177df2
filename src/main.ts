/**
 * The entry point (`npm run start:prod`). It loads nothing of the application before the
 * settings are valid and, when OTEL_EXPORTER_OTLP_ENDPOINT is set, before tracing has started:
 * the instrumentations patch `http` and `pg` as they are required, so the modules they patch
 * must come after them. The application is therefore imported dynamically, and so is
 * OpenTelemetry, which is never loaded when tracing is off.
 */
import { ConfigError, loadConfig, type AppConfig } from './config/app-config.js';
import { flushLogOutput } from './observability/log-output.js';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(1);
    }
    throw err;
  }
  if (config.OTEL_EXPORTER_OTLP_ENDPOINT) {
    const { startTracing } = await import('./observability/opentelemetry.js');
    startTracing({ endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: config.OTEL_SERVICE_NAME });
  }
  const { serve } = await import('./serve.js');
  await serve(config);
}

main().catch((err) => {
  // The logger's lines from before the failure come first.
  flushLogOutput();
  console.error(err instanceof Error ? (err.stack ?? err.message) : err);
  process.exit(1);
});
