import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startService } from './servers.mjs';
import { runWrk } from './wrk.mjs';

export const SOAK_CONNECTIONS = 64;

/**
 * Issue 7's soak: the service with the cache on, under SOAK_CONNECTIONS connections for
 * `seconds`, RSS sampled every second, the event-loop delay measured inside it by the
 * preloaded probe (one window for the whole soak, opened and closed with SIGUSR2).
 */
export async function soak(prepared, ctx) {
  const { dist, workDir, log, options } = ctx;
  const { db, tokensFile, label } = prepared;
  const seconds = options.soakDuration;
  const eventLoopFile = join(workDir, `${label}-soak-event-loop.json`);
  const service = await startService({
    dist,
    databaseUrl: db.url,
    cache: 'on',
    workDir,
    label: `${label}-soak`,
    eventLoopFile,
  });
  try {
    log(`${label}: soak, ${options.warmup} s warm-up then ${seconds} s at ${SOAK_CONNECTIONS} connections (cache on)`);
    if (options.warmup > 0)
      await runWrk({ baseUrl: service.url, tokensFile, connections: SOAK_CONNECTIONS, seconds: options.warmup });
    const openWindow = await readProbe(service, eventLoopFile);
    service.memory.resetPeak();
    service.memory.startSampling(1000);
    const wrk = await runWrk({ baseUrl: service.url, tokensFile, connections: SOAK_CONNECTIONS, seconds });
    service.memory.stopSampling();
    const eventLoop = openWindow ? await readProbe(service, eventLoopFile) : null;
    return {
      seconds,
      connections: SOAK_CONNECTIONS,
      wrk: { ...wrk, peakRssMb: service.memory.peakMb() },
      rss: service.memory.samples,
      eventLoop,
    };
  } finally {
    service.memory.stopSampling();
    await service.stop();
  }
}

/** Asks the probe for the window so far (and to start a new one); null if it does not answer. */
async function readProbe(service, file) {
  rmSync(file, { force: true });
  process.kill(service.pid, 'SIGUSR2');
  for (let i = 0; i < 50; i++) {
    await sleep(20);
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  }
  return null;
}
