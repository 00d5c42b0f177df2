import { checkAnswers } from './checks.mjs';
import { startService } from './servers.mjs';
import { WrongAnswersError } from './size-run.mjs';
import { runWrk } from './wrk.mjs';

/**
 * Issue 15's figure, information only: the providers list served by `count` production
 * instances on one database beside one instance, cache off and on, with the same total of
 * connections. No balancer in front: each instance gets its own wrk, started together, with
 * its share of the connections. A balancer written here would be one more Node process
 * relaying every byte on the same two cores, and would cost about what a cached answer costs,
 * so it would measure itself; wrk in C, one per target, adds nothing the single-instance
 * run does not have (one wrk process more). Throughput is the sum; latency is given per
 * instance, since two wrk histograms cannot be merged into one percentile.
 */
export async function compareInstances(prepared, ctx, count) {
  const { dist, workDir, log, options } = ctx;
  const { label, db, world, users, tokens, idsByKey, tokensFile } = prepared;
  const rows = [];
  for (const cache of ['off', 'on']) {
    for (const n of [1, count]) {
      const servers = [];
      try {
        for (let i = 0; i < n; i++) {
          servers.push(
            await startService({
              dist,
              databaseUrl: db.url,
              cache,
              workDir,
              label: `${label}-instances-${n}-${i + 1}`,
              name: `instance ${i + 1} of ${n}`,
            }),
          );
        }
        const { problems } = await checkAnswers({ world, users, tokens, idsByKey, servers });
        if (problems.length)
          throw new WrongAnswersError(`${label}: wrong answers, no figures:\n  ${problems.slice(0, 20).join('\n  ')}`);
        const shares = servers.map(
          (_, i) => Math.floor(options.connections / n) + (i < options.connections % n ? 1 : 0),
        );
        const run = (seconds) =>
          Promise.all(
            servers.map((server, i) => runWrk({ baseUrl: server.url, tokensFile, connections: shares[i], seconds })),
          );
        log(
          `${label}: ${n} instance(s), cache ${cache}: ${options.warmup} s warm-up, ${options.duration} s measured, ${shares.join(' + ')} connections`,
        );
        if (options.warmup > 0) await run(options.warmup);
        for (const server of servers) {
          server.memory.resetPeak();
          server.memory.startSampling(250);
        }
        const results = await run(options.duration);
        for (const server of servers) server.memory.stopSampling();
        const row = {
          cache,
          instances: n,
          rps: results.reduce((a, r) => a + r.rps, 0),
          perInstance: results.map((r, i) => ({ ...r, connections: shares[i], peakRssMb: servers[i].memory.peakMb() })),
          non2xx: results.reduce((a, r) => a + r.non2xx, 0),
          socketErrors: results.reduce((a, r) => a + r.socketErrors, 0),
        };
        log(
          `${label}:   ${row.rps.toFixed(0)} req/s in all (${results.map((r) => r.rps.toFixed(0)).join(' + ')}), p99 ${results.map((r) => r.p99Ms.toFixed(1)).join(' / ')} ms`,
        );
        rows.push(row);
      } finally {
        for (const server of servers) {
          server.memory.stopSampling();
          await server.stop();
        }
      }
    }
  }
  return { label, counts: prepared.counts, count, connections: options.connections, rows };
}
