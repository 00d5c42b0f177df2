import { Global, Module } from '@nestjs/common';
import { DatabaseMetrics } from './database-metrics.js';
import { MetricsServer } from './metrics-server.js';
import { MetricsService } from './metrics.service.js';

/** Metrics for every module (global), the database's own, and the server that exposes them. */
@Global()
@Module({
  providers: [MetricsService, MetricsServer, DatabaseMetrics],
  exports: [MetricsService],
})
export class ObservabilityModule {}
