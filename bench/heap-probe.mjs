// Preloaded into the passthrough's service (`node --expose-gc --import bench/heap-probe.mjs ...`):
// RSS alone cannot tell memory that stays from a heap that has not been collected yet (it
// grows in a sawtooth). On SIGWINCH, which nothing else in a server uses (SIGUSR2 is the
// CPU profile probe's), it runs full collections and writes the heap and RSS that remain to
// $BENCH_HEAP_FILE. Nothing is collected unless asked: the service runs as it would.
import { renameSync, writeFileSync } from 'node:fs';

const file = process.env.BENCH_HEAP_FILE;
if (file && typeof globalThis.gc === 'function') {
  process.on('SIGWINCH', () => {
    // Twice: the first collection's finalizers may free more for the second.
    globalThis.gc();
    globalThis.gc();
    const mb = (bytes) => Math.round((bytes / 2 ** 20) * 10) / 10;
    const usage = process.memoryUsage();
    const report = {
      heapUsedMb: mb(usage.heapUsed),
      heapTotalMb: mb(usage.heapTotal),
      externalMb: mb(usage.external),
      arrayBuffersMb: mb(usage.arrayBuffers),
      rssMb: mb(usage.rss),
    };
    writeFileSync(`${file}.partial`, JSON.stringify(report));
    renameSync(`${file}.partial`, file);
  });
}
