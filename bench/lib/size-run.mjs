import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkAnswers, describeCounts } from './checks.mjs';
import { createBenchDatabase, tablesWithoutStatistics, worldCounts } from './database.mjs';
import { measure } from './load.mjs';
import { startBaseline, startReference, startService } from './servers.mjs';
import { signIn } from './tokens.mjs';
import { chooseUsers, generateWorld, importWorld, providerIdsByKey } from './world.mjs';

export const SAMPLED_USERS = 50;

/** Thrown when a server's answers are wrong: the run stops and reports no figures. */
export class WrongAnswersError extends Error {}

/**
 * Makes a world of `counts` in a fresh database and signs the sampled users (and root) in.
 * Returns what the measurements need; `drop()` removes the database.
 */
export async function prepareWorld({ label, counts, ctx }) {
  const { dist, workDir, log } = ctx;
  const reuse = ctx.options.reuseWorlds;
  const db = await createBenchDatabase(label, { reuse });
  if (!reuse) ctx.onCleanup(() => (ctx.options.keep ? undefined : db.drop()));
  const file = join(workDir, `${label}-world.json`);
  log(
    `${label}: generating the world (${counts.accounts} accounts, ${counts.users} users, ${counts.providers} providers)`,
  );
  const generateStarted = Date.now();
  const world = await generateWorld(dist, counts, file, log);
  const generateSeconds = (Date.now() - generateStarted) / 1000;
  let importSeconds = null;
  const found = db.existing ? await worldCounts(db.url) : null;
  if (
    found &&
    found.accounts === counts.accounts &&
    found.users === counts.users &&
    found.providers === counts.providers
  ) {
    // The answers are still checked against this run's world file before any figure counts.
    log(`${label}: reusing ${db.name} (--reuse-worlds)`);
  } else {
    log(`${label}: importing it into ${db.name} (argon2id hashes every password: the slow part)`);
    importSeconds = await importWorld(dist, db.url, file, log);
  }
  const statistics = await checkStatistics(db, label);
  const users = chooseUsers(world, SAMPLED_USERS);
  const idsByKey = await providerIdsByKey(db.url);

  // Sign-ins go through a service instance of their own, stopped before any measurement,
  // so that no measured server carries the memory of argon2 verifications.
  const signer = await startService({ dist, databaseUrl: db.url, cache: 'off', workDir, label: `${label}-sign-in` });
  let tokens;
  try {
    tokens = await signIn(signer.url, [...users.map((u) => u.username), 'root']);
  } finally {
    await signer.stop();
  }
  const tokensFile = join(workDir, `${label}-tokens.txt`);
  writeFileSync(tokensFile, `${users.map((u) => tokens.get(u.username)).join('\n')}\n`);
  return {
    label,
    counts,
    db,
    world,
    file,
    users,
    idsByKey,
    tokens,
    tokensFile,
    generateSeconds,
    importSeconds,
    statistics,
  };
}

/**
 * The figures are meant for a database with planner statistics, as a production one has
 * them. The import makes them (it ends with ANALYZE); a world's tables without them mean the
 * import did not, and figures measured on them would mean nothing: the run stops (exit 1).
 */
async function checkStatistics(db, label) {
  const missing = await tablesWithoutStatistics(db.url);
  if (missing.length === 0) return 'present after the import';
  throw new Error(
    `${label}: no planner statistics on ${missing.join(', ')} in ${db.name} after the import, which ends with ANALYZE ` +
      "(it failed or did not run: see the import's output above)" +
      (db.existing ? `; or the reused database's statistics were lost: drop ${db.name} to import it afresh` : ''),
  );
}

/**
 * The six servers on one world (the baseline, the two reference servers of issue 16, the
 * service with the cache off and on, and on in the Smarter format): checked for correct answers, then loaded one after the
 * other with the same wrk settings. `whileCacheOnRuns` gets the cache-on service before it
 * is stopped (the change-visibility measurement needs it).
 */
export async function benchmarkWorld(prepared, ctx, whileCacheOnRuns) {
  const { dist, workDir, log, options } = ctx;
  const { label, db, world, users, idsByKey, tokens, tokensFile } = prepared;
  const servers = [];
  try {
    const usernames = users.map((u) => u.username);
    servers.push(await startBaseline({ dist, databaseUrl: db.url, workDir, label }));
    for (const kind of ['cache-hit', 'nest-floor'])
      servers.push(await startReference({ kind, dist, databaseUrl: db.url, workDir, label, usernames }));
    servers.push(await startService({ dist, databaseUrl: db.url, cache: 'off', workDir, label }));
    const cacheOn = await startService({ dist, databaseUrl: db.url, cache: 'on', workDir, label });
    servers.push(cacheOn);
    // Issue 13's Smarter representation: the same rule, order and cache, ten times the bytes.
    const smarter = await startService({
      dist,
      databaseUrl: db.url,
      cache: 'on',
      workDir,
      label: `${label}-smarter`,
      env: { PROVIDERS_LIST_FORMAT: 'smarter' },
      name: 'service (cache on, Smarter format)',
    });
    smarter.format = 'smarter';
    servers.push(smarter);

    log(`${label}: checking every sampled user's answer on the ${servers.length} servers against the reference model`);
    const { problems, counts } = await checkAnswers({ world, users, tokens, idsByKey, servers });
    if (problems.length) {
      throw new WrongAnswersError(
        `${label}: ${problems.length} wrong answers, no figures reported:\n  ${problems.slice(0, 20).join('\n  ')}`,
      );
    }
    log(`${label}: all answers identical and correct (${describeCounts(counts)})`);

    const rows = [];
    for (const server of servers) {
      log(
        `${label}: loading ${server.name}: ${options.warmup} s warm-up, ${options.duration} s measured, ${options.connections} connections`,
      );
      const result = await measure(server, {
        tokensFile,
        connections: options.connections,
        warmup: options.warmup,
        duration: options.duration,
      });
      log(
        `${label}: ${server.name}: ${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`,
      );
      rows.push({ server: server.name, ...result });
    }
    const extra = whileCacheOnRuns ? await whileCacheOnRuns(cacheOn) : undefined;
    return {
      label,
      counts: prepared.counts,
      answerSizes: describeCounts(counts),
      importSeconds: prepared.importSeconds,
      statistics: prepared.statistics,
      rows,
      extra,
    };
  } finally {
    for (const server of servers) await server.stop();
  }
}
