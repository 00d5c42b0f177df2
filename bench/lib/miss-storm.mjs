import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { measure } from './load.mjs';
import { freePort } from './processes.mjs';
import { postProviders, scrapeMetric, startService } from './servers.mjs';
import { signedToken } from './tokens.mjs';

/** Renames a second during the storm run, and how long after each the answers are checked. */
const RENAME_EVERY_MS = 1000;
const CHECK_AFTER_MS = 500;
const CHECKED_PER_RENAME = 4;

/**
 * Tokens for every active ordinary user of the world, signed directly (signedToken):
 * signing 5,000 users in through /auth/login would hash 5,000 passwords for nothing the
 * measurement needs. Superusers are left out: each of their answers is the whole table, a
 * different load.
 */
async function everyActiveUser(client) {
  const { rows } = await client.query(
    `SELECT u.id, EXISTS (SELECT 1 FROM user_profiles up WHERE up.user_id = u.id) AS reads
       FROM users u WHERE u.is_active AND NOT u.is_superuser ORDER BY u.id`,
  );
  return rows.map((r) => ({ id: r.id, reads: r.reads, token: signedToken(r.id) }));
}

/** Lists once for each user, `parallel` at a time; returns the statuses seen that were not 200. */
async function listEach(url, users, parallel = 8) {
  const queue = [...users];
  const bad = [];
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      for (let u = queue.shift(); u; u = queue.shift()) {
        const r = await postProviders(url, u.token);
        if (r.status !== 200) bad.push(r.status);
      }
    }),
  );
  return bad;
}

/**
 * Issue 16's miss storm and memory figure, on one world (the large one), with the cache on.
 *
 * Memory: a fresh service lists once for each active ordinary user; the cache's size (its
 * own count, providers_list_cache_bytes) against the JSON of all providers (a superuser's
 * answer), then again after one superuser's list (the shared whole table), and the peak RSS.
 *
 * Storm: the tokens of every active ordinary user in rotation (wrk), measured without
 * renames, then with a platform provider renamed every second by plain SQL. Half a second
 * after each rename, a few users (in turn) are asked for their list: an answer without the
 * new name is stale, and is counted.
 */
export async function missStorm(prepared, ctx) {
  const { dist, workDir, log, options } = ctx;
  const { db, label, tokens } = prepared;
  const client = new pg.Client({ connectionString: db.url });
  await client.connect();
  const metricsPort = await freePort();
  const service = await startService({
    dist,
    databaseUrl: db.url,
    cache: 'on',
    workDir,
    label: `${label}-miss-storm`,
    env: { METRICS_PORT: String(metricsPort) },
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  try {
    const users = await everyActiveUser(client);
    const tokensFile = join(workDir, `${label}-every-user-tokens.txt`);
    writeFileSync(tokensFile, `${users.map((u) => u.token).join('\n')}\n`);

    log(`${label}: memory: one list for each of ${users.length} active ordinary users (cache on, fresh service)`);
    service.memory.resetPeak();
    service.memory.startSampling(250);
    const failed = await listEach(service.url, users);
    const cacheBytes = await scrapeMetric(metricsUrl, 'providers_list_cache_bytes');
    const cacheEntries = await scrapeMetric(metricsUrl, 'providers_list_cache_entries');
    const whole = await postProviders(service.url, tokens.get('root'));
    const cacheBytesWithWhole = await scrapeMetric(metricsUrl, 'providers_list_cache_bytes');
    const again = await postProviders(service.url, tokens.get('root'));
    const cacheBytesTwoSuperuserReads = await scrapeMetric(metricsUrl, 'providers_list_cache_bytes');
    service.memory.stopSampling();
    const memory = {
      users: users.length,
      failed: failed.length,
      allProvidersJsonBytes: whole.body.length,
      cacheBytes,
      cacheEntries,
      cacheBytesWithWhole,
      cacheBytesTwoSuperuserReads,
      superuserAnswersEqual: whole.body.equals(again.body),
      peakRssMb: service.memory.peakMb(),
    };
    log(
      `${label}: cache ${(cacheBytes / 2 ** 20).toFixed(1)} MiB for ${(whole.body.length / 2 ** 20).toFixed(1)} MiB of providers ` +
        `(${(cacheBytes / whole.body.length).toFixed(2)}×), ${(cacheBytesWithWhole / 2 ** 20).toFixed(1)} MiB with the whole table`,
    );

    // A platform provider (the platform accounts' providers are in every reader's list).
    const { rows } = await client.query(
      `SELECT p.id, p.name FROM providers p JOIN user_profiles up ON up.id = p.owner_profile_id
         JOIN accounts a ON a.id = up.account_id WHERE a.is_platform ORDER BY p.id LIMIT 1`,
    );
    const target = rows[0];
    const readers = users.filter((u) => u.reads);
    const seconds = Math.max(options.duration, 10);
    const run = { tokensFile, connections: options.connections, warmup: options.warmup, duration: seconds };

    log(`${label}: miss storm: ${users.length} users' tokens in rotation, no renames, ${seconds} s`);
    const quiet = await measure(service, run);
    log(`${label}: no renames: ${quiet.rps.toFixed(0)} req/s, p99 ${quiet.p99Ms.toFixed(1)} ms`);

    log(`${label}: miss storm: the same with platform provider ${target.id} renamed every second`);
    let renames = 0;
    let checked = 0;
    let stale = 0;
    let stop = false;
    const renamer = (async () => {
      await sleep(options.warmup * 1000);
      while (!stop) {
        const name = `${target.name}~storm-${++renames}`;
        await client.query('UPDATE providers SET name = $2 WHERE id = $1', [target.id, name]);
        await sleep(CHECK_AFTER_MS);
        const needle = `"name":${JSON.stringify(name)}`;
        for (let i = 0; i < CHECKED_PER_RENAME; i++) {
          const user = readers[(renames * CHECKED_PER_RENAME + i) % readers.length];
          const answer = await postProviders(service.url, user.token);
          checked++;
          if (answer.status !== 200 || !answer.body.includes(needle)) stale++;
        }
        await sleep(Math.max(0, RENAME_EVERY_MS - CHECK_AFTER_MS));
      }
    })();
    let storm;
    try {
      storm = await measure(service, run);
    } finally {
      stop = true;
      await renamer;
      await client.query('UPDATE providers SET name = $2 WHERE id = $1', [target.id, target.name]);
    }
    log(
      `${label}: with renames: ${storm.rps.toFixed(0)} req/s, p99 ${storm.p99Ms.toFixed(1)} ms; ${stale} stale of ${checked} checked`,
    );
    return { memory, quiet, storm, renames, checked, stale, seconds };
  } finally {
    await service.stop();
    await client.end();
  }
}

/** The report's section. */
export function missStormSection(m) {
  const mib = (b) => (b / 2 ** 20).toFixed(1);
  const { memory: mem, quiet, storm } = m;
  const row = (name, r) =>
    `| ${name} | ${r.rps.toFixed(0)} | ${r.p50Ms.toFixed(2)} | ${r.p99Ms.toFixed(2)} | ${r.non2xx} | ${r.socketErrors} | ${r.peakRssMb?.toFixed(0) ?? '—'} |`;
  return [
    `### Miss storm (cache on, ${mem.users} active ordinary users' tokens in rotation, ${m.seconds} s each)`,
    '',
    '| run | req/s | p50 ms | p99 ms | non-2xx | socket errors | peak RSS MB |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    row('no renames', quiet),
    row('a platform provider renamed every second', storm),
    '',
    `With renames ÷ without: throughput ${(storm.rps / quiet.rps).toFixed(2)}× (target ≥ 0.7), ` +
      `p99 ${(storm.p99Ms / quiet.p99Ms).toFixed(2)}× (target ≤ 1.5). ${m.renames} renames; ` +
      `${m.stale} stale answers of ${m.checked} checked ${CHECK_AFTER_MS} ms after a rename.`,
    '',
    `### Memory (cache on, after one list for each of ${mem.users} active ordinary users)`,
    '',
    `- All providers as JSON (a superuser's answer): ${mib(mem.allProvidersJsonBytes)} MiB`,
    `- The cache: ${mib(mem.cacheBytes)} MiB in ${mem.cacheEntries} entries = ${(mem.cacheBytes / mem.allProvidersJsonBytes).toFixed(2)}× (target ≤ 3×)`,
    `- After a superuser's list too: ${mib(mem.cacheBytesWithWhole)} MiB; after a second superuser read: ${mib(mem.cacheBytesTwoSuperuserReads)} MiB (one shared copy)`,
    `- Peak RSS over all of it: ${mem.peakRssMb?.toFixed(0)} MB (target ≤ 300); lists that failed: ${mem.failed}`,
  ].join('\n');
}
