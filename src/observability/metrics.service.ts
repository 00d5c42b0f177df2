import { Injectable } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

/** What a size-bounded in-process cache reports; it calls these, and is asked for its size. */
export interface CacheObserver {
  hit(): void;
  miss(): void;
  evicted(): void;
}

/**
 * The process's metrics, in a registry of its own (an application built in a test process
 * does not share another's counters), served by MetricsServer on METRICS_PORT. Other modules
 * ask it for counters and gauges; it asks nothing of them.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  /** Every answered request, by route pattern (never the raw URL) and status. */
  readonly requestDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'Time to answer a request, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly requestsShed = this.counter(
    'http_requests_shed_total',
    'Requests answered 503 at once because the event loop was overloaded',
  );

  constructor() {
    // Event-loop delay (nodejs_eventloop_lag_*), heap, GC, handles, CPU, memory, file descriptors.
    collectDefaultMetrics({ register: this.registry });
  }

  counter<L extends string = never>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string = never>(
    name: string,
    help: string,
    buckets: number[],
    labelNames: readonly L[] = [],
  ): Histogram<L> {
    return new Histogram({ name, help, labelNames, buckets, registers: [this.registry] });
  }

  /** A gauge read when scraped. */
  gauge(name: string, help: string, read: () => number): Gauge {
    return new Gauge({
      name,
      help,
      registers: [this.registry],
      collect() {
        this.set(read());
      },
    });
  }

  /**
   * A gauge with labels, read when scraped by `read` (which may ask the database). A scrape
   * starts every gauge's read at once: this one starts after the others, so that the pool's
   * gauges do not count its own query as one waiting. A read that fails keeps the values of the
   * last scrape: one metric must not fail the whole exposition.
   */
  labelledGauge<L extends string>(
    name: string,
    help: string,
    labelNames: readonly L[],
    read: (set: (labels: Record<L, string>, value: number) => void) => Promise<void>,
  ): Gauge<L> {
    return new Gauge({
      name,
      help,
      labelNames,
      registers: [this.registry],
      async collect() {
        await new Promise((resolve) => setImmediate(resolve));
        await read((labels, value) => this.set(labels as Partial<Record<L, string>>, value)).catch(() => undefined);
      },
    });
  }

  /** Hits, misses and evictions counted as the cache reports them; entries and bytes read when scraped. */
  cacheObserver(prefix: string, what: string, size: () => { entries: number; bytes: number }): CacheObserver {
    const hits = this.counter(`${prefix}_hits_total`, `${what}: answers served from the cache`);
    const misses = this.counter(`${prefix}_misses_total`, `${what}: look-ups that found nothing usable`);
    const evictions = this.counter(`${prefix}_evictions_total`, `${what}: entries pushed out by the size bound`);
    this.gauge(`${prefix}_entries`, `${what}: entries held`, () => size().entries);
    this.gauge(`${prefix}_bytes`, `${what}: bytes held (as the size bound counts them)`, () => size().bytes);
    return { hit: () => hits.inc(), miss: () => misses.inc(), evicted: () => evictions.inc() };
  }

  /** The Prometheus text exposition of every metric. */
  async exposition(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
