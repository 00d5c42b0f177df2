#!/usr/bin/env node
// `npm run bench`: see bench/README.md for what runs and what each figure means.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildSnapshot } from './lib/build.mjs';
import { measureChangeDelay } from './lib/change-delay.mjs';
import { parseOptions, SIZES, USAGE } from './lib/options.mjs';
import { profileService } from './lib/profile.mjs';
import { compareInstances } from './lib/instances.mjs';
import { benchmarkPassthrough } from './lib/passthrough.mjs';
import {
  fullReport,
  instancesSection,
  passthroughSection,
  scaleUsersSection,
  sizeTable,
  withinBound,
} from './lib/report.mjs';
import { measureScalePoint, scaleSubjects } from './lib/scale.mjs';
import { scaleUsers } from './lib/scale-users.mjs';
import { benchmarkWorld, prepareWorld, WrongAnswersError } from './lib/size-run.mjs';
import { soak } from './lib/soak.mjs';
import { missStorm, missStormSection } from './lib/miss-storm.mjs';
import { measureSuperuser } from './lib/superuser.mjs';
import { ensureWrk } from './lib/wrk.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const started = Date.now();
const log = (message) =>
  console.error(`[bench ${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s] ${message}`);

async function main(argv) {
  let options;
  try {
    options = parseOptions(argv);
  } catch (err) {
    console.error(`${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (options.help) {
    console.log(USAGE);
    return 0;
  }

  const cleanups = [];
  const cleanUp = async () => {
    for (const fn of cleanups.reverse()) await Promise.resolve(fn()).catch((err) => log(`cleanup: ${err.message}`));
    cleanups.length = 0;
  };
  // Ctrl-C: the databases and copies this run made are dropped all the same.
  process.once('SIGINT', () => void cleanUp().finally(() => process.exit(130)));

  const load = watchLoad();
  try {
    ensureWrk(log);
    const snapshot = options.dist ? { dist: resolve(options.dist) } : buildSnapshot(ROOT, log);
    if (!options.dist) cleanups.push(() => snapshot.remove());
    const workDir = mkdtempSync(join(tmpdir(), 'providers-bench-'));
    cleanups.push(() => (options.keep ? log(`kept ${workDir}`) : rmSync(workDir, { recursive: true, force: true })));
    const ctx = { dist: snapshot.dist, workDir, log, options, onCleanup: (fn) => cleanups.push(fn) };

    const report = {
      date: new Date().toISOString().slice(0, 10),
      machine: `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB, Node ${process.version}${options.dist ? `, build ${options.dist}` : ''}`,
      source: describeSource(),
      options,
      sizes: [],
    };
    if (options.passthrough) {
      report.passthrough = await benchmarkPassthrough(ctx);
      console.log(`\n${passthroughSection(report.passthrough)}\n`);
    }
    if (options.instances) {
      report.instances = [];
      for (const label of options.sizes) {
        const prepared = await prepareWorld({ label, counts: SIZES[label], ctx });
        const result = await compareInstances(prepared, ctx, options.instances);
        report.instances.push(result);
        console.log(`\n${instancesSection(result)}\n`);
      }
    }
    if (options.scaleUsers) {
      report.scaleUsers = await scaleUsers(ctx);
      console.log(`\n${scaleUsersSection(report.scaleUsers)}\n`);
    }
    for (const label of options.sizeRuns ? options.sizes : []) {
      const prepared = await prepareWorld({ label, counts: SIZES[label], ctx });
      const isLarge = label === 'large';
      const result = await benchmarkWorld(
        prepared,
        ctx,
        isLarge ? (service) => measureChangeDelay(service, prepared) : undefined,
      );
      report.sizes.push(result);
      if (isLarge) report.changeDelay = result.extra;
      console.log(`\n${sizeTable(result)}\n`);
      if (!isLarge) continue;

      report.superuser = await measureSuperuser(prepared, ctx);
      if (options.missStorm) report.missStorm = await missStorm(prepared, ctx);
      if (options.soak) report.soak = await soak(prepared, ctx);
      if (options.profile)
        report.profiles = [await profileService(prepared, ctx, 'off'), await profileService(prepared, ctx, 'on')];
      if (options.scale) report.scale = await runScale(prepared, ctx);
    }

    report.load = load.describe();
    const text = [fullReport(report), ...(report.missStorm ? [missStormSection(report.missStorm)] : [])].join('\n\n');
    console.log(`\n${text}`);
    if (options.write) {
      const dir = join(ROOT, 'bench', 'results');
      mkdirSync(dir, { recursive: true });
      const file = join(dir, `${report.date}.md`);
      writeFileSync(file, `${text}\n`);
      log(`wrote ${file}`);
    }
    const soakFailed = report.soak && (report.soak.wrk.non2xx > 0 || report.soak.wrk.socketErrors > 0);
    const scaleUsersFailed = report.scaleUsers?.runs.some((run) => !withinBound(run) || run.differences > 0);
    return soakFailed || scaleUsersFailed ? 1 : 0;
  } catch (err) {
    if (err instanceof WrongAnswersError) {
      console.error(`\nREFUSED: ${err.message}`);
      return 1;
    }
    throw err;
  } finally {
    load.stop();
    await cleanUp();
  }
}

/**
 * Other work on the machine moves the figures: the 1-minute load average before this run
 * started anything (others' load) and during it (theirs and this run's), for the report.
 */
function watchLoad() {
  const before = loadavg()[0];
  const samples = [];
  const timer = setInterval(() => samples.push(loadavg()[0]), 10_000);
  timer.unref();
  return {
    stop: () => clearInterval(timer),
    describe() {
      const sorted = [...samples].sort((a, b) => a - b);
      const median = sorted.length ? sorted[Math.floor(sorted.length / 2)] : before;
      const cores = cpus().length;
      const loaded = before >= 0.5;
      return (
        `1-minute load average ${before.toFixed(2)} before this run started anything, median ${median.toFixed(2)} (max ${Math.max(before, ...samples).toFixed(2)}) during it, on ${cores} cores.` +
        (loaded
          ? ' The machine was loaded by other work (other sessions building and testing on it) when this run began: absolute figures are lower than on an idle machine, and ratios noisier.'
          : '')
      );
    },
  };
}

/** Which code was measured: the commit, and whether src/ differed from it (others' work in progress). */
function describeSource() {
  try {
    const git = (...args) => execFileSync('git', args, { cwd: ROOT, encoding: 'utf8' }).trim();
    const dirty = git('status', '--porcelain', '--', 'src') !== '';
    return `commit ${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes in src/' : ''}`;
  } catch {
    return 'not a git checkout';
  }
}

/** The large world's figures, then the same world with 10× the providers, then the ratio. */
async function runScale(large, ctx) {
  const subjects = scaleSubjects(large);
  const at100k = await measureScalePoint(large, subjects, ctx);
  const counts = { ...SIZES.large, providers: SIZES.large.providers * 10 };
  const big = await prepareWorld({ label: 'scale1m', counts, ctx });
  if (JSON.stringify(big.world.users) !== JSON.stringify(large.world.users)) {
    throw new Error('the 1M world does not have the same users as the large world: the comparison would mean nothing');
  }
  const at1m = await measureScalePoint(big, subjects, ctx);
  return {
    importSeconds: big.importSeconds,
    planUser: subjects[0].user.username,
    who: subjects.map((s) => ({
      key: s.key,
      title: s.title,
      answer100k: s.user ? at100k.answers[s.key] : 'mixed',
      answer1m: s.user ? at1m.answers[s.key] : 'mixed',
    })),
    at100k: at100k.results,
    at1m: at1m.results,
    plan100k: at100k.plan,
    plan1m: at1m.plan,
  };
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exitCode = 1;
  },
);
