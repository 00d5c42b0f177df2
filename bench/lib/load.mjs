import { runWrk } from './wrk.mjs';

/**
 * Warm-up (JIT, connection pools, the cache filling), then the measured run. The server's
 * peak RSS is taken over the measured run only (see MemoryMonitor.resetPeak): sign-ins and
 * checks before it hash passwords with 19 MiB each and would otherwise set the peak.
 */
export async function measure(server, { tokensFile, connections, warmup, duration }) {
  if (warmup > 0) await runWrk({ baseUrl: server.url, tokensFile, connections, seconds: warmup });
  server.memory.resetPeak();
  server.memory.startSampling(250);
  try {
    const result = await runWrk({ baseUrl: server.url, tokensFile, connections, seconds: duration });
    return { ...result, peakRssMb: server.memory.peakMb() };
  } finally {
    server.memory.stopSampling();
  }
}
