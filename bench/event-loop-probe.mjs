// Preloaded into the service for the soak (`node --import bench/event-loop-probe.mjs ...`):
// the service exposes no event-loop figures, and from outside only request latency can be
// seen, which mixes the loop's delay with queueing for database connections. This measures
// the loop itself, with no change to src/. On SIGUSR2 it writes the delay percentiles (ms)
// since the previous SIGUSR2 to $BENCH_EVENT_LOOP_FILE and starts a new window.
import { renameSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const file = process.env.BENCH_EVENT_LOOP_FILE;
if (file) {
  // 10 ms is the default sampling resolution; a finer one would itself load the loop.
  const RESOLUTION_MS = 10;
  const histogram = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
  histogram.enable();
  let since = Date.now();
  process.on('SIGUSR2', () => {
    // Node records the whole interval between timer ticks; the delay is what exceeds the timer.
    const ms = (ns) => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);
    const report = {
      windowSeconds: (Date.now() - since) / 1000,
      samples: histogram.count,
      p50Ms: ms(histogram.percentile(50)),
      p99Ms: ms(histogram.percentile(99)),
      maxMs: ms(histogram.max),
      meanMs: ms(histogram.mean),
      resolutionMs: RESOLUTION_MS,
    };
    // Written aside and renamed: the benchmark never reads half a file.
    writeFileSync(`${file}.partial`, `${JSON.stringify(report)}\n`);
    renameSync(`${file}.partial`, file);
    histogram.reset();
    since = Date.now();
  });
}
