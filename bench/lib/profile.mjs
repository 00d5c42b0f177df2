import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startService } from './servers.mjs';
import { runWrk } from './wrk.mjs';

/**
 * The service under the benchmark's load, CPU-profiled over the measured window only (see
 * cpu-profile-probe.mjs), summarised as self time per function and per package: where the
 * time goes that the baseline does not spend.
 */
export async function profileService(prepared, ctx, cache) {
  const { dist, workDir, log, options } = ctx;
  const { db, tokensFile, label } = prepared;
  const file = join(workDir, `${label}-cache-${cache}.cpuprofile`);
  rmSync(file, { force: true });
  const service = await startService({
    dist,
    databaseUrl: db.url,
    cache,
    workDir,
    label: `${label}-profiled`,
    cpuProfileFile: file,
  });
  let wrk;
  let profile;
  try {
    log(`${label}: CPU profile of the service (cache ${cache}) under ${options.duration} s of load`);
    if (options.warmup > 0)
      await runWrk({ baseUrl: service.url, tokensFile, connections: options.connections, seconds: options.warmup });
    process.kill(service.pid, 'SIGUSR2');
    wrk = await runWrk({
      baseUrl: service.url,
      tokensFile,
      connections: options.connections,
      seconds: options.duration,
    });
    process.kill(service.pid, 'SIGUSR2');
    for (let i = 0; i < 300 && !existsSync(file); i++) await sleep(50);
    if (!existsSync(file)) throw new Error(`the service wrote no CPU profile to ${file}`);
    profile = JSON.parse(readFileSync(file, 'utf8'));
  } finally {
    await service.stop();
  }
  return { cache, seconds: options.duration, rps: wrk.rps, file, ...summarise(profile, dist) };
}

/**
 * Self time of a profile node is the sum of the sampling intervals that landed in it; nodes
 * of the same function (name, file, line) are added up. For each top function, `via` names
 * the caller through which most of its self time came (what native code like writev is busy for).
 */
export function summarise(profile, dist) {
  const selfUs = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i];
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const parentOf = new Map();
  // child id -> parent node
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node);
  // The probe's own work (stopping the profiler, which builds the profile) is not the service's.
  const isProbe = (node) => {
    for (let p = node; p; p = parentOf.get(p.id)) if (p.callFrame.url.endsWith('cpu-profile-probe.mjs')) return true;
    return false;
  };
  for (const node of profile.nodes) if (selfUs.has(node.id) && isProbe(node)) selfUs.delete(node.id);
  const total = [...selfUs.values()].reduce((a, b) => a + b, 0);
  const byFunction = new Map();
  const byPackage = new Map();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (!us) continue;
    const key = frameName(node.callFrame, dist);
    const entry = byFunction.get(key) ?? {
      functionName: node.callFrame.functionName || '(anonymous)',
      where: frameWhere(node.callFrame, dist),
      us: 0,
      callers: new Map(),
    };
    entry.us += us;
    const caller = nearestNamedCaller(node, parentOf, dist);
    entry.callers.set(caller, (entry.callers.get(caller) ?? 0) + us);
    byFunction.set(key, entry);
    const pkg = packageOf(node.callFrame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const percent = (us) => (100 * us) / total;
  // Inclusive time of the service's own functions: each sample counts once for every distinct
  // dist/ function on its stack, which says what a request spends under each step of the service.
  const inclusive = new Map();
  for (const node of profile.nodes) {
    const us = selfUs.get(node.id) ?? 0;
    if (!us) continue;
    const seen = new Set();
    for (let p = node; p; p = parentOf.get(p.id)) {
      const path = p.callFrame.url.replace(/^file:\/\//, '');
      if (!path.startsWith(dist) || !p.callFrame.functionName) continue;
      const key = frameName(p.callFrame, dist);
      if (seen.has(key)) continue;
      seen.add(key);
      inclusive.set(key, (inclusive.get(key) ?? 0) + us);
    }
  }
  return {
    inclusive: [...inclusive.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 20)
      .map(([name, us]) => ({ name, percent: percent(us) })),
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, 25)
      .map(({ callers, ...x }) => ({
        ...x,
        percent: percent(x.us),
        via: [...callers.entries()].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '',
      })),
    byPackage: [...byPackage.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 15)
      .map(([name, us]) => ({ name, percent: percent(us) })),
  };
}

function frameWhere({ url, lineNumber }, dist) {
  if (!url) return '';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  const short =
    nm >= 0
      ? path.slice(nm + '/node_modules/'.length)
      : path.startsWith(dist)
        ? `dist${path.slice(dist.length)}`
        : path;
  return `${short}:${lineNumber + 1}`;
}

const frameName = (frame, dist) => `${frame.functionName || '(anonymous)'} ${frameWhere(frame, dist)}`.trim();

/** The first caller up the stack that is JavaScript with a name (skips anonymous glue). */
function nearestNamedCaller(node, parentOf, dist) {
  for (let p = parentOf.get(node.id); p; p = parentOf.get(p.id)) {
    if (p.callFrame.functionName && p.callFrame.url) return frameName(p.callFrame, dist);
  }
  return '';
}

/** node_modules/<pkg> (the outermost), the service's own dist/, Node's internals, or V8's own (GC, idle...). */
function packageOf({ url, functionName }) {
  if (!url) return functionName.startsWith('(') ? functionName : '(native)';
  const path = url.replace(/^file:\/\//, '');
  const m = /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(path);
  if (m) return m[1];
  if (path.startsWith('node:')) return 'node: internals';
  if (path.includes('/dist/')) return 'service (dist/)';
  return path;
}
