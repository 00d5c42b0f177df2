import { setTimeout as sleep } from 'node:timers/promises';
import { expectedBody } from './checks.mjs';
import { postProviders, startBaseline, startService } from './servers.mjs';

/**
 * The superuser's whole list (every provider), one request at a time on a fresh server:
 * how long it takes, how big it is, and how far it lifts the process's resident memory
 * above where it stood, which says how many copies of the answer are held at once.
 */
export async function measureSuperuser(prepared, ctx) {
  const { dist, workDir, log } = ctx;
  const { db, world, idsByKey, tokens, label } = prepared;
  const root = world.users.find((u) => u.username === 'root');
  const expected = expectedBody(world, root, idsByKey);
  const rows = [];
  for (const start of [
    () => startBaseline({ dist, databaseUrl: db.url, workDir, label: `${label}-superuser` }),
    () => startService({ dist, databaseUrl: db.url, cache: 'off', workDir, label: `${label}-superuser` }),
  ]) {
    const server = await start();
    try {
      log(`${label}: superuser's full list on a fresh ${server.name}`);
      // Let start-up garbage settle so that "before" is the idle server.
      await sleep(1000);
      const rssBeforeMb = server.memory.read().rssMb;
      server.memory.resetPeak();
      server.memory.startSampling(20);
      const times = [];
      let peakFirstMb;
      for (let i = 0; i < 5; i++) {
        const answer = await postProviders(server.url, tokens.get('root'));
        if (answer.status !== 200 || answer.body.toString('utf8') !== expected) {
          throw new Error(
            `${server.name}: the superuser's list is not every provider (status ${answer.status}, ${answer.body.length} bytes)`,
          );
        }
        times.push(answer.ms);
        if (i === 0) peakFirstMb = server.memory.peakMb();
      }
      server.memory.stopSampling();
      const later = times.slice(1).sort((a, b) => a - b);
      rows.push({
        server: server.name,
        firstMs: times[0],
        medianMs: (later[1] + later[2]) / 2,
        rssBeforeMb,
        peakMb: peakFirstMb,
        peakAllMb: server.memory.peakMb(),
      });
    } finally {
      server.memory.stopSampling();
      await server.stop();
    }
  }
  return { providers: world.providers.length, bytes: Buffer.byteLength(expected), rows };
}
