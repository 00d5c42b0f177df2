import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startServer } from './processes.mjs';

export const PROVIDERS_PATH = '/dashboard/passthrough/api/providers/';

/** One secret per run, shared by the service, the baseline and the reference servers, so a token works on all. */
export const JWT_SECRET = randomBytes(48).toString('base64url');
const SECRETS_KEY = randomBytes(32).toString('base64');
/**
 * Longer than the default hour: tokens are obtained once per world, and a run with the soak
 * and the scale test on the large world lasts longer than that.
 */
const JWT_EXPIRES_IN = String(6 * 3600);
const EVENT_LOOP_PROBE = fileURLToPath(new URL('../event-loop-probe.mjs', import.meta.url));
const CPU_PROFILE_PROBE = fileURLToPath(new URL('../cpu-profile-probe.mjs', import.meta.url));
const HEAP_PROBE = fileURLToPath(new URL('../heap-probe.mjs', import.meta.url));
const BASELINE = fileURLToPath(new URL('../baseline/server.mjs', import.meta.url));
const STUB_UPSTREAM = fileURLToPath(new URL('../stub-upstream/server.mjs', import.meta.url));
const CACHE_HIT_SERVER = fileURLToPath(new URL('../reference/cache-hit-server.mjs', import.meta.url));
const NEST_FLOOR = fileURLToPath(new URL('../reference/nest-floor.mjs', import.meta.url));

/**
 * The production build as an operator would start it, over plain HTTP on localhost (hence
 * ALLOW_INSECURE_COOKIES). Everything else is the service's default, DB_POOL_SIZE (10)
 * included. `eventLoopFile` and `cpuProfileFile` preload the probes that write there (see
 * event-loop-probe.mjs and cpu-profile-probe.mjs): measurement from the bench, no change to src/.
 * `heapFile` preloads heap-probe.mjs (with --expose-gc), which writes there what a full
 * collection leaves. `env` adds settings of one measurement's own (the passthrough's egress exception); `name`
 * tells instances apart in the report and the log file names.
 */
export function startService({
  dist,
  databaseUrl,
  cache,
  workDir,
  label,
  eventLoopFile,
  cpuProfileFile,
  heapFile,
  env = {},
  name = `service (cache ${cache})`,
}) {
  const args = [];
  if (eventLoopFile) args.push('--import', EVENT_LOOP_PROBE);
  if (cpuProfileFile) args.push('--import', CPU_PROFILE_PROBE);
  if (heapFile) args.push('--expose-gc', '--import', HEAP_PROBE);
  args.push(join(dist, 'src', 'main.js'));
  return startServer({
    name,
    args,
    logFile: join(workDir, `${label}-service-cache-${cache}.log`),
    env: {
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      DATABASE_URL: databaseUrl,
      JWT_SECRET,
      SECRETS_KEY,
      JWT_EXPIRES_IN,
      ALLOW_INSECURE_COOKIES: 'true',
      DEMO_DATA: 'false',
      PROVIDERS_CACHE: cache,
      ...(eventLoopFile ? { BENCH_EVENT_LOOP_FILE: eventLoopFile } : {}),
      ...(cpuProfileFile ? { BENCH_CPU_PROFILE_FILE: cpuProfileFile } : {}),
      ...(heapFile ? { BENCH_HEAP_FILE: heapFile } : {}),
      ...env,
    },
  });
}

/** The passthrough benchmark's OpenAI-compatible upstream (stub-upstream/server.mjs), expecting `apiKey`. */
export function startStubUpstream({ workDir, apiKey, paceMs }) {
  return startServer({
    name: 'stub upstream',
    args: [STUB_UPSTREAM],
    logFile: join(workDir, 'passthrough-stub-upstream.log'),
    readyPath: '/healthz',
    env: { STUB_API_KEY: apiKey, STUB_PACE_MS: String(paceMs) },
  });
}

/** The bare node:http + pg server (baseline/server.mjs), with the service's query from `dist`. */
export function startBaseline({ dist, databaseUrl, workDir, label }) {
  return startServer({
    name: 'baseline',
    args: [BASELINE],
    logFile: join(workDir, `${label}-baseline.log`),
    env: {
      DATABASE_URL: databaseUrl,
      JWT_SECRET,
      SERVICE_DIST: dist,
    },
  });
}

/**
 * Issue 16's two reference servers (reference/): the bare cache-hit server and the Nest floor,
 * each with the answers of `usernames` preloaded from the world's database at start-up.
 */
export function startReference({ kind, dist, databaseUrl, workDir, label, usernames }) {
  const [name, script] = kind === 'nest-floor' ? ['Nest floor', NEST_FLOOR] : ['cache-hit server', CACHE_HIT_SERVER];
  return startServer({
    name,
    args: [script],
    logFile: join(workDir, `${label}-${kind}.log`),
    env: {
      DATABASE_URL: databaseUrl,
      JWT_SECRET,
      SERVICE_DIST: dist,
      PRELOAD_USERNAMES: usernames.join(','),
      NODE_ENV: 'production',
    },
  });
}

/** One POST of the benchmark's request; resolves to {status, body (Buffer), ms}. */
export async function postProviders(baseUrl, token) {
  const started = performance.now();
  const response = await fetch(`${baseUrl}${PROVIDERS_PATH}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  const body = Buffer.from(await response.arrayBuffer());
  return {
    status: response.status,
    body,
    ms: performance.now() - started,
    contentType: response.headers.get('content-type'),
  };
}

/** One unlabelled metric's value from the service's METRICS_PORT exposition (NaN when absent). */
export async function scrapeMetric(metricsUrl, name) {
  const text = await (await fetch(metricsUrl)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : NaN;
}
