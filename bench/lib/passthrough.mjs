import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createBenchDatabase, withClient } from './database.mjs';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { cpuMs } from './processes.mjs';
import { summarise } from './profile.mjs';
import { startService, startStubUpstream } from './servers.mjs';
import { streamLoad } from './stream-client.mjs';
import { signIn } from './tokens.mjs';
import { importWorld } from './world.mjs';
import { runWrk } from './wrk.mjs';
import { WrongAnswersError } from './size-run.mjs';

/**
 * Enough users that 32 connections never put more than one call of a user in flight (wrk
 * hands the tokens out in turn): the per-user limit (PASSTHROUGH_MAX_CONCURRENT_PER_USER, 4)
 * stays at its default and is never what is measured.
 */
export const PASSTHROUGH_USERS = 64;
/** Milliseconds between two events of the paced stream: 100 events, about a quarter of a second. */
export const PACE_MS = 2;
const PLATFORM = '0000-0000-0000';
const STAFF = 'bench-staff';
const FAST = 'Bench stub';
const PACED = 'Bench stub paced';
const PASSTHROUGH_PATH = '/api/v1/prompts/passthrough/';

const PROMPT = {
  model: 'bench-1',
  messages: [
    { role: 'system', content: 'You are a benchmark. Answer briefly.' },
    { role: 'user', content: 'How far is it from the relay to the upstream and back, in milliseconds, on loopback?' },
  ],
};
const BODIES = {
  completion: JSON.stringify(PROMPT),
  stream: JSON.stringify({ ...PROMPT, stream: true }),
};

/**
 * Issue 12's figures: the stub upstream called directly, and the same calls through the
 * service's passthrough, in one run with the same connections and payloads; then clients that
 * leave streams half-way, with the service's memory sampled every second.
 */
export async function benchmarkPassthrough(ctx) {
  const { dist, workDir, log, options } = ctx;
  const apiKey = `sk-bench-${randomBytes(16).toString('hex')}`;
  const servers = [];
  try {
    const stub = await startStubUpstream({ workDir, apiKey, paceMs: PACE_MS });
    servers.push(stub);
    const stubPort = new URL(stub.url).port;

    const db = await createBenchDatabase('passthrough');
    ctx.onCleanup(() => (options.keep ? undefined : db.drop()));
    const worldFile = join(workDir, 'passthrough-world.json');
    writeFileSync(worldFile, JSON.stringify(passthroughWorld(stub.url)));
    log(`passthrough: importing a world of ${PASSTHROUGH_USERS} users and two providers pointing at the stub`);
    await importWorld(dist, db.url, worldFile, log);

    // The CPU profile and heap probes are idle until signalled, so they are always preloaded.
    const cpuProfileFile = join(workDir, 'passthrough.cpuprofile');
    const heapFile = join(workDir, 'passthrough-heap.json');
    const service = await startService({
      dist,
      databaseUrl: db.url,
      cache: 'on',
      workDir,
      label: 'passthrough',
      name: 'service',
      cpuProfileFile,
      heapFile,
      // The one private address this service may reach is the stub's: allowed by host and
      // port, as an operator would allow an internal gateway, rather than EGRESS_ALLOW_PRIVATE.
      env: { EGRESS_ALLOW_HOSTS: `127.0.0.1:${stubPort}` },
    });
    servers.push(service);

    const usernames = Array.from({ length: PASSTHROUGH_USERS }, (_, i) => userName(i));
    log(`passthrough: signing ${usernames.length + 1} users in`);
    const tokens = await signIn(service.url, [STAFF, ...usernames]);
    const ids = await providerIds(db.url);
    for (const name of [FAST, PACED]) await setApiKey(service.url, tokens.get(STAFF), ids[name], apiKey);

    const userTokens = usernames.map((u) => tokens.get(u));
    const tokensFile = join(workDir, 'passthrough-tokens.txt');
    writeFileSync(tokensFile, `${userTokens.join('\n')}\n`);
    const keyFile = join(workDir, 'passthrough-key.txt');
    writeFileSync(keyFile, `${apiKey}\n`);
    const bodyFiles = {};
    for (const [kind, body] of Object.entries(BODIES)) {
      bodyFiles[kind] = join(workDir, `passthrough-body-${kind}.json`);
      writeFileSync(bodyFiles[kind], body);
    }

    const routes = {
      direct: {
        fast: `${stub.url}/v1/chat/completions`,
        paced: `${stub.url}/paced/v1/chat/completions`,
        tokensFile: keyFile,
        tokens: [apiKey],
        server: stub,
      },
      service: {
        fast: `${service.url}${PASSTHROUGH_PATH}${ids[FAST]}`,
        paced: `${service.url}${PASSTHROUGH_PATH}${ids[PACED]}`,
        tokensFile,
        tokens: userTokens,
        server: service,
      },
    };

    log('passthrough: checking that the relayed answers are the direct ones, byte for byte');
    const sizes = await checkRelay(routes, userTokens[0], apiKey);
    const statsBefore = await stubStats(stub);
    if (statsBefore.unauthorized > 0) throw new WrongAnswersError('passthrough: the stub saw calls without its key');

    // At the benchmark's connections (the targets), then one connection: the same calls with no
    // queue in front of either server, where the difference is the relay's own time.
    const connectionCounts = [...new Set([options.connections, 1])];
    const wrkRows = [];
    for (const connections of connectionCounts) {
      for (const kind of ['completion', 'stream']) {
        for (const path of ['direct', 'service']) {
          const route = routes[path];
          log(
            `passthrough: wrk, ${kind}, ${path}: ${options.warmup} s warm-up, ${options.duration} s measured, ${connections} connection(s)`,
          );
          const wrk = {
            url: route.fast,
            connections,
            tokensFile: route.tokensFile,
            bodyFile: bodyFiles[kind],
          };
          if (options.warmup > 0) await runWrk({ ...wrk, seconds: options.warmup });
          route.server.memory.resetPeak();
          route.server.memory.startSampling(250);
          const cpuBefore = { service: cpuMs(service.pid), stub: cpuMs(stub.pid) };
          const result = await runWrk({ ...wrk, seconds: options.duration });
          const perCall = (who, pid) => (cpuMs(pid) - cpuBefore[who]) / Math.max(1, result.requests);
          route.server.memory.stopSampling();
          wrkRows.push({
            kind,
            path,
            ...result,
            connections,
            peakRssMb: route.server.memory.peakMb(),
            cpuMsPerCall: {
              service: path === 'service' ? perCall('service', service.pid) : 0,
              stub: perCall('stub', stub.pid),
            },
          });
          log(
            `passthrough:   ${result.rps.toFixed(0)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms, non-2xx ${result.non2xx}`,
          );
        }
      }
    }

    // The same instance's cheapest signed-in route, for scale: what any authenticated request
    // costs here before the passthrough does anything of its own.
    log(`passthrough: wrk, the providers list on the same service (cache on), for comparison`);
    const listWrk = { baseUrl: service.url, tokensFile, connections: options.connections };
    if (options.warmup > 0) await runWrk({ ...listWrk, seconds: options.warmup });
    const listCpuBefore = cpuMs(service.pid);
    const list = await runWrk({ ...listWrk, seconds: options.duration });
    list.cpuMsPerCall = (cpuMs(service.pid) - listCpuBefore) / Math.max(1, list.requests);

    const firstChunkRows = [];
    for (const [stream, connections] of [
      ['paced', options.connections],
      ['fast', options.connections],
      ...(options.connections === 1 ? [] : [['paced', 1]]),
    ]) {
      for (const path of ['direct', 'service']) {
        const route = routes[path];
        log(`passthrough: time to first chunk, ${stream} stream, ${path}, ${connections} connection(s)`);
        const load = { url: route[stream], tokens: route.tokens, body: BODIES.stream, connections };
        if (options.warmup > 0) await streamLoad({ ...load, seconds: options.warmup });
        const result = await streamLoad({ ...load, seconds: options.duration });
        firstChunkRows.push({ stream, path, connections, ...result });
        log(
          `passthrough:   first chunk p50 ${result.firstP50Ms.toFixed(2)} ms, p99 ${result.firstP99Ms.toFixed(2)} ms; whole stream p50 ${result.totalP50Ms.toFixed(1)} ms`,
        );
      }
    }

    const profiles = [];
    for (const kind of options.profile ? ['completion', 'stream'] : []) {
      log(`passthrough: CPU profile of the service, ${kind}, ${options.duration} s`);
      const wrk = {
        url: routes.service.fast,
        connections: options.connections,
        tokensFile,
        bodyFile: bodyFiles[kind],
      };
      rmSync(cpuProfileFile, { force: true });
      process.kill(service.pid, 'SIGUSR2');
      const result = await runWrk({ ...wrk, seconds: options.duration });
      process.kill(service.pid, 'SIGUSR2');
      for (let i = 0; i < 300 && !existsSync(cpuProfileFile); i++) await sleep(50);
      if (!existsSync(cpuProfileFile)) throw new Error(`the service wrote no CPU profile to ${cpuProfileFile}`);
      profiles.push({
        title: `### Where the passthrough spends its time (${kind}, ${options.duration} s under load, CPU profile of that window)`,
        seconds: options.duration,
        rps: result.rps,
        ...summarise(JSON.parse(readFileSync(cpuProfileFile, 'utf8')), dist),
      });
    }

    const leaving = await leavingClients(routes.service, stub, service, options, log, heapFile);
    const leak = await checkSlotsReturned(routes.service.fast, userTokens);
    const statsAfter = await stubStats(stub);
    return {
      users: PASSTHROUGH_USERS,
      connections: options.connections,
      paceMs: PACE_MS,
      completionBytes: sizes['fast completion'],
      streamBytes: sizes['fast stream'],
      wrk: wrkRows,
      list,
      firstChunk: firstChunkRows,
      leaving,
      leak,
      profiles,
      unauthorized: statsAfter.unauthorized,
      journalRows: await journalRows(db.url),
    };
  } finally {
    for (const server of servers.reverse()) await server.stop();
  }
}

const userName = (i) => `bench-user-${String(i + 1).padStart(2, '0')}`;

/**
 * The platform account, its staff member (who sets the keys) and the users, each with a
 * profile in it, so that the two platform providers are readable by all; both providers are
 * active and verified, as the world import allows. The key cannot be in a world file: it is
 * set through the management API.
 */
function passthroughWorld(stubUrl) {
  const owner = { username: STAFF, accountNumber: PLATFORM };
  const provider = (name, path) => ({
    name,
    baseUrl: `${stubUrl}${path}`,
    isActive: true,
    isVerified: true,
    defaultModel: 'bench-1',
    owner,
  });
  return {
    version: 1,
    accounts: [{ accountNumber: PLATFORM, name: 'Platform', isPlatform: true }],
    users: [
      { username: STAFF, password: `pw-${STAFF}`, isStaff: true, accounts: [PLATFORM] },
      ...Array.from({ length: PASSTHROUGH_USERS }, (_, i) => ({
        username: userName(i),
        password: `pw-${userName(i)}`,
        accounts: [PLATFORM],
      })),
    ],
    providers: [provider(FAST, '/v1'), provider(PACED, '/paced/v1')],
  };
}

async function providerIds(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query('SELECT id, name FROM providers');
    return Object.fromEntries(rows.map((r) => [r.name, r.id]));
  });
}

async function setApiKey(baseUrl, token, id, apiKey) {
  const response = await fetch(`${baseUrl}/api/v1/providers/${id}/api-key`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ api_key: apiKey }),
  });
  if (response.status !== 204)
    throw new Error(`PUT /api/v1/providers/${id}/api-key: ${response.status} ${await response.text()}`);
}

async function post(url, token, body) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body,
  });
  return {
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    body: Buffer.from(await response.arrayBuffer()),
  };
}

/** Each kind of call, direct and relayed: the same status and the same bytes, or no figures. */
async function checkRelay(routes, userToken, apiKey) {
  const problems = [];
  const sizes = {};
  for (const [stream, body, type] of [
    ['fast', BODIES.completion, /^application\/json/],
    ['fast', BODIES.stream, /^text\/event-stream/],
    ['paced', BODIES.stream, /^text\/event-stream/],
  ]) {
    const direct = await post(routes.direct[stream], apiKey, body);
    const relayed = await post(routes.service[stream], userToken, body);
    const what = `${stream} ${JSON.parse(body).stream ? 'stream' : 'completion'}`;
    sizes[what] = direct.body.length;
    if (direct.status !== 200) problems.push(`${what}: the stub answered ${direct.status} directly`);
    if (relayed.status !== 200)
      problems.push(`${what}: the service answered ${relayed.status}: ${relayed.body.toString().slice(0, 300)}`);
    else if (!type.test(relayed.contentType)) problems.push(`${what}: content-type ${relayed.contentType}`);
    else if (!relayed.body.equals(direct.body)) problems.push(`${what}: the relayed body differs from the direct one`);
  }
  if (problems.length) throw new WrongAnswersError(`passthrough: no figures reported:\n  ${problems.join('\n  ')}`);
  return sizes;
}

async function stubStats(stub) {
  return (await fetch(`${stub.url}/stats`)).json();
}

/**
 * Clients that leave: every call a paced stream through the service, abandoned after 1 to
 * 60 of its 100 events, for `--passthrough-duration` seconds, the service's RSS every second.
 * The stub counts the streams whose client (the service) went away before the end: each client
 * that left should have cut one.
 */
async function leavingClients(route, stub, service, options, log, heapFile) {
  const seconds = options.passthroughDuration;
  log(`passthrough: ${seconds} s of clients leaving paced streams half-way, ${options.connections} connections`);
  const before = await stubStats(stub);
  const heapBefore = await collectedHeap(service, heapFile);
  service.memory.resetPeak();
  service.memory.startSampling(1000);
  const result = await streamLoad({
    url: route.paced,
    tokens: route.tokens,
    body: BODIES.stream,
    connections: options.connections,
    seconds,
    leaveAfter: (random) => 1 + Math.floor(random() * 60),
  });
  service.memory.stopSampling();
  // The last aborts travel upstream after the clients have gone.
  await sleep(500);
  const after = await stubStats(stub);
  const heapAfter = await collectedHeap(service, heapFile);
  log(
    `passthrough:   ${result.calls} calls, ${result.left} left half-way; the stub saw ${after.streamsClosedEarly - before.streamsClosedEarly} streams cut`,
  );
  return {
    ...result,
    seconds,
    upstreamCut: after.streamsClosedEarly - before.streamsClosedEarly,
    upstreamStarted: after.streamsStarted - before.streamsStarted,
    rss: service.memory.samples,
    peakRssMb: service.memory.peakMb(),
    heapBefore,
    heapAfter,
  };
}

/** What a full collection leaves in the service (heap-probe.mjs); null if the probe does not answer. */
async function collectedHeap(service, file) {
  rmSync(file, { force: true });
  process.kill(service.pid, 'SIGWINCH');
  for (let i = 0; i < 100; i++) {
    await sleep(20);
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
  }
  return null;
}

/**
 * After the leaving clients, every user must again get PASSTHROUGH_MAX_CONCURRENT_PER_USER (4)
 * calls at once: a slot not given back by an abandoned stream would show as a 429 here.
 */
async function checkSlotsReturned(url, tokens) {
  const statuses = new Map();
  for (let i = 0; i < tokens.length; i += 8) {
    const batch = tokens.slice(i, i + 8).flatMap((token) => Array.from({ length: 4 }, () => token));
    const answers = await Promise.all(batch.map((token) => post(url, token, BODIES.completion)));
    for (const a of answers) statuses.set(a.status, (statuses.get(a.status) ?? 0) + 1);
  }
  return Object.fromEntries(statuses);
}

async function journalRows(url) {
  return withClient(url, async (client) => {
    const { rows } = await client.query('SELECT outcome, count(*)::int AS n FROM prompt_usage GROUP BY outcome');
    return Object.fromEntries(rows.map((r) => [r.outcome, r.n]));
  });
}
