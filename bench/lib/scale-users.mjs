import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { answerProblem, describeCounts, expectedBodies, expectedBody } from './checks.mjs';
import { withClient } from './database.mjs';
import { freePort } from './processes.mjs';
import { postProviders, scrapeMetric, startService } from './servers.mjs';
import { prepareWorld, WrongAnswersError } from './size-run.mjs';
import { signedToken } from './tokens.mjs';

/**
 * Issue 16's memory target, "at 1,000,000 providers and 50,000 users the service stays within
 * PROVIDERS_CACHE_MAX_BYTES and answers correctly": the large world's shape (about ten users
 * and a customer account's share of the providers per account) with ten times its users and
 * accounts and the 1M world's providers.
 */
export const SCALE_USERS_COUNTS = { accounts: 5_000, users: 50_000, providers: 1_000_000 };

/** The second run's bound: well under the fragments' total, so that the LRU evicts throughout. */
export const SMALL_BOUND_BYTES = 8 * 2 ** 20;

/** Lists in flight at once: a few more than the cores, as many as the service's pool would serve. */
const PARALLEL = 8;

/** Users of the rule's distinct cases checked against readableInWorld before the index is trusted. */
const RULE_CHECKS_PER_KIND = 3;

/** Which case of the read rule a user is, for the report's counts. */
export function kindOf(user) {
  if (user.isSuperuser) return 'superuser';
  if (user.isActive === false) return 'inactive';
  if (user.isStaff) return 'staff';
  const n = (user.accounts ?? []).length;
  return n === 0 ? 'no account' : n === 1 ? 'one account' : 'several accounts';
}

export const KINDS = ['superuser', 'staff', 'one account', 'several accounts', 'no account', 'inactive'];

/**
 * Every user of the world, or `sample` of them spread evenly over the file's order (which
 * mixes the rule's cases) with the first user of any case the spread missed added.
 */
export function usersToCheck(world, sample) {
  const all = world.users;
  if (sample === undefined || sample >= all.length) return [...all];
  const chosen = new Set(Array.from({ length: sample }, (_, i) => all[Math.floor((i * all.length) / sample)]));
  for (const kind of KINDS) {
    if (![...chosen].some((u) => kindOf(u) === kind)) {
      const first = all.find((u) => kindOf(u) === kind);
      if (first) chosen.add(first);
    }
  }
  return [...chosen];
}

/**
 * The reference by account (expectedBodies) must give what the rule over the whole file
 * gives (expectedBody) before it checks 50,000 answers: a few users of each case, compared.
 */
function checkIndexAgainstRule(world, idsByKey, expected, users) {
  const byKind = new Map(KINDS.map((k) => [k, []]));
  for (const user of users) {
    const list = byKind.get(kindOf(user));
    if (list.length < RULE_CHECKS_PER_KIND) list.push(user);
  }
  const compared = [...byKind.values()].flat();
  for (const user of compared) {
    if (expected(user).body !== expectedBody(world, user, idsByKey))
      throw new Error(
        `the reference by account disagrees with the rule over the whole file for ${user.username} (a bench bug)`,
      );
  }
  return compared.length;
}

async function userIdsByName(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query('SELECT id, username FROM users');
    return new Map(rows.map((r) => [r.username, r.id]));
  });
}

/** The service's own default bound, from the build measured. */
async function defaultBound(dist) {
  const { AppConfig } = await import(pathToFileURL(join(dist, 'src', 'config', 'app-config.js')).href);
  return new AppConfig().PROVIDERS_CACHE_MAX_BYTES;
}

/** Runs `task` over `items`, `parallel` at a time. */
async function inParallel(items, parallel, task) {
  let next = 0;
  await Promise.all(
    Array.from({ length: parallel }, async () => {
      while (next < items.length) await task(items[next++]);
    }),
  );
}

/**
 * The 1,000,000-provider, 50,000-user world, imported (or reused), then for each bound (the
 * service's default, then SMALL_BOUND_BYTES) a fresh production service with the cache on
 * lists every checked user once, each answer compared byte for byte with the reference model:
 * the cache's own byte count after the users, after the superuser's whole-table read, and the
 * highest it showed over the whole run (scraped every second), and the peak RSS.
 * `counts` and `label` make the same run on a smaller world, to try the run itself.
 */
export async function scaleUsers(ctx, { counts = SCALE_USERS_COUNTS, label = 'scale50k' } = {}) {
  const { dist, log, options } = ctx;
  const prepared = await prepareWorld({ label, counts, ctx });
  const { world, idsByKey, db } = prepared;

  const users = usersToCheck(world, options.scaleUsersSample);
  log(`${label}: building the reference answers by account`);
  const expected = expectedBodies(world, idsByKey);
  const ruleChecked = checkIndexAgainstRule(world, idsByKey, expected, users);
  const ids = await userIdsByName(db.url);
  const checked = users.map((user) => {
    const id = ids.get(user.username);
    if (id === undefined) throw new Error(`${user.username} is not in ${db.name}`);
    return { user, kind: kindOf(user), token: signedToken(id) };
  });
  const kinds = Object.fromEntries(KINDS.map((k) => [k, checked.filter((c) => c.kind === k).length]));

  const bounds = [
    { bytes: await defaultBound(dist), setting: null },
    { bytes: SMALL_BOUND_BYTES, setting: String(SMALL_BOUND_BYTES) },
  ];
  const runs = [];
  let answerSizes;
  for (const bound of bounds) {
    const run = await runWithBound({ bound, prepared, checked, expected, ctx });
    answerSizes ??= run.answerSizes;
    runs.push(run);
  }
  return {
    counts,
    database: db.name,
    generateSeconds: prepared.generateSeconds,
    importSeconds: prepared.importSeconds,
    statistics: prepared.statistics,
    users: checked.length,
    everyUser: checked.length === world.users.length,
    kinds,
    ruleChecked,
    answerSizes,
    parallel: PARALLEL,
    runs,
  };
}

async function runWithBound({ bound, prepared, checked, expected, ctx }) {
  const { dist, workDir, log } = ctx;
  const { db, label } = prepared;
  const mib = (bound.bytes / 2 ** 20).toFixed(0);
  const metricsPort = await freePort();
  const service = await startService({
    dist,
    databaseUrl: db.url,
    cache: 'on',
    workDir,
    label: `${label}-bound-${mib}mib`,
    env: {
      METRICS_PORT: String(metricsPort),
      ...(bound.setting ? { PROVIDERS_CACHE_MAX_BYTES: bound.setting } : {}),
    },
    name: `service (cache on, ${bound.setting ? `PROVIDERS_CACHE_MAX_BYTES=${bound.setting}` : 'default bound'})`,
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const metric = (name) => scrapeMetric(metricsUrl, `providers_list_cache_${name}`);
  const cacheNow = async () => ({
    bytes: await metric('bytes'),
    entries: await metric('entries'),
    evictions: await metric('evictions_total'),
    hits: await metric('hits_total'),
    misses: await metric('misses_total'),
  });
  let maxSeenBytes = 0;
  const watch = async () => {
    const bytes = await metric('bytes').catch(() => NaN);
    if (bytes > maxSeenBytes) maxSeenBytes = bytes;
  };
  const watcher = setInterval(() => void watch(), 1000);
  const problems = [];
  const counts = [];
  try {
    const listed = checked.filter((c) => c.kind !== 'superuser');
    log(`${label}: ${service.name}: listing for ${listed.length} users, ${PARALLEL} at a time, each answer checked`);
    service.memory.resetPeak();
    service.memory.startSampling(250);
    const started = Date.now();
    let done = 0;
    await inParallel(listed, PARALLEL, async ({ user, kind, token }) => {
      const answer = await postProviders(service.url, token);
      if (kind === 'inactive') {
        // An inactive user's token is refused like any other without a usable user.
        if (answer.status !== 401)
          problems.push(`${service.name}, ${user.username} (inactive): status ${answer.status}, expected 401`);
      } else {
        const want = expected(user);
        counts.push(want.count);
        const problem = answerProblem(service, user.username, answer, want.body);
        if (problem) problems.push(problem);
      }
      if (++done % 10_000 === 0) log(`${label}:   ${done} of ${listed.length} (${problems.length} wrong so far)`);
    });
    const usersSeconds = (Date.now() - started) / 1000;
    await watch();
    const afterUsers = await cacheNow();
    const peakUsersMb = service.memory.peakMb();
    log(
      `${label}:   ${listed.length} answers in ${usersSeconds.toFixed(0)} s; cache ${(afterUsers.bytes / 2 ** 20).toFixed(1)} MiB ` +
        `of ${mib} MiB (${afterUsers.entries} entries, ${afterUsers.evictions} evictions), peak RSS ${peakUsersMb.toFixed(0)} MB`,
    );

    if (problems.length) {
      throw new WrongAnswersError(
        `${label}, ${service.name}: ${problems.length} wrong answers of ${listed.length}, no figures reported:\n  ${problems.slice(0, 20).join('\n  ')}`,
      );
    }

    // The whole table, checked like the others but reported rather than refusing the run: its
    // stream is bounded by the request deadline, and the cache's figures do not depend on it.
    const superusers = [];
    for (const { user, token } of checked.filter((c) => c.kind === 'superuser')) {
      const answer = await postProviders(service.url, token);
      const problem = answerProblem(service, user.username, answer, expected(user).body);
      superusers.push({ username: user.username, bytes: answer.body.length, ms: answer.ms, problem });
      log(
        `${label}:   ${user.username}: ${(answer.body.length / 2 ** 20).toFixed(1)} MiB in ${answer.ms.toFixed(0)} ms, ${problem ?? 'correct'}`,
      );
    }
    await watch();
    const afterSuperusers = await cacheNow();
    const peakMb = service.memory.peakMb();
    log(
      `${label}:   cache ${(afterSuperusers.bytes / 2 ** 20).toFixed(1)} MiB after the superusers, peak RSS ${peakMb.toFixed(0)} MB`,
    );
    return {
      server: service.name,
      boundBytes: bound.bytes,
      setting: bound.setting,
      answers: checked.length,
      differences: superusers.filter((x) => x.problem).length,
      answerSizes: describeCounts(counts),
      usersSeconds,
      listed: listed.length,
      afterUsers,
      maxSeenBytes,
      afterSuperusers,
      superusers,
      peakUsersMb,
      peakMb,
    };
  } finally {
    clearInterval(watcher);
    service.memory.stopSampling();
    await service.stop();
  }
}
