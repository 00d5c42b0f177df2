import underPressure from '@fastify/under-pressure';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../config/app-config.js';
import type { MetricsService } from './metrics.service.js';

/** Answered whatever the load: a liveness probe that failed under load would restart a busy instance. */
const NEVER_SHED = new Set(['/healthz']);

const OVERLOADED = { statusCode: 503, error: 'Service Unavailable', message: 'Overloaded; try again shortly' };

/**
 * When the event loop is overloaded (its delay, or how busy it is, past the thresholds), a
 * request is answered 503 with Retry-After at once instead of queueing behind the others until
 * it times out. A threshold of 0 is off.
 */
export async function registerLoadShedding(
  app: NestFastifyApplication,
  config: AppConfig,
  metrics: MetricsService,
): Promise<void> {
  if (config.SHED_MAX_EVENT_LOOP_DELAY_MS === 0 && config.SHED_MAX_EVENT_LOOP_UTILIZATION === 0) return;
  await app.register(underPressure, {
    maxEventLoopDelay: config.SHED_MAX_EVENT_LOOP_DELAY_MS,
    maxEventLoopUtilization: config.SHED_MAX_EVENT_LOOP_UTILIZATION,
    retryAfter: config.SHED_RETRY_AFTER_SECONDS,
    pressureHandler: (request, reply) => {
      if (NEVER_SHED.has(request.routeOptions.url ?? '')) return undefined;
      metrics.requestsShed.inc();
      reply.status(503).header('retry-after', String(config.SHED_RETRY_AFTER_SECONDS));
      // A value returned is sent as the answer (the plugin's types say void, its code sends it):
      // the service's own error body rather than the plugin's error.
      return OVERLOADED as unknown as void;
    },
  });
}
