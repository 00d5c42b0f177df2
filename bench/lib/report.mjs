/** Text (Markdown) of the report: the tables, the extra figures, the targets. Pure functions. */

const f = (n, digits = 2) => (n === null || n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits));
const ratio = (a, b) => (b > 0 ? a / b : NaN);

export function sizeTable(size) {
  const base = size.rows.find((r) => r.server === 'baseline');
  const floor = size.rows.find((r) => r.server === 'Nest floor');
  const lines = [
    `### ${size.label}: ${size.counts.accounts} accounts / ${size.counts.users} users / ${size.counts.providers} providers`,
    '',
    `Answers: ${size.answerSizes}.${size.importSeconds === null ? ' World database reused.' : ` Import: ${f(size.importSeconds, 0)} s.`} Planner statistics: ${size.statistics}.`,
    '',
    '| server | req/s | p50 ms | p99 ms | non-2xx | socket errors | peak RSS MB | req/s ÷ baseline | p99 ÷ baseline | req/s ÷ Nest floor | p99 ÷ Nest floor |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of size.rows) {
    lines.push(
      `| ${r.server} | ${f(r.rps, 0)} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${r.non2xx} | ${r.socketErrors} | ${f(r.peakRssMb, 0)} | ${f(ratio(r.rps, base.rps))} | ${f(ratio(r.p99Ms, base.p99Ms))} | ${floor ? f(ratio(r.rps, floor.rps)) : '—'} | ${floor ? f(ratio(r.p99Ms, floor.p99Ms)) : '—'} |`,
    );
  }
  return lines.join('\n');
}

export function superuserSection(s) {
  return [
    `### Superuser reading all ${s.providers} providers (one request at a time, fresh server, cache off)`,
    '',
    `Response: ${f(s.bytes / 1e6)} MB of JSON.`,
    '',
    '| server | first request ms | median of next 4 ms | RSS before MB | peak RSS during MB | peak − before MB | (peak − before) ÷ response size |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...s.rows.map(
      (r) =>
        `| ${r.server} | ${f(r.firstMs, 0)} | ${f(r.medianMs, 0)} | ${f(r.rssBeforeMb, 0)} | ${f(r.peakMb, 0)} | ${f(r.peakMb - r.rssBeforeMb, 0)} | ${f((r.peakMb - r.rssBeforeMb) / (s.bytes / 1048576), 1)} |`,
    ),
  ].join('\n');
}

export function changeDelaySection(c) {
  const ms = c.trials.map((t) => t.ms);
  const sorted = [...ms].sort((a, b) => a - b);
  return [
    '### Cache on: how soon a plain-SQL change shows',
    '',
    `An UPDATE of a provider's name from another connection (autocommit), then the endpoint polled back to back as one of the sampled users until the new name shows. ${c.trials.length} trials (${c.kinds}).`,
    '',
    `Delay: median ${f(sorted[Math.floor(sorted.length / 2)], 1)} ms, max ${f(sorted[sorted.length - 1], 1)} ms (each trial: ${ms.map((m) => f(m, 1)).join(', ')} ms); polls needed: ${c.trials.map((t) => t.polls).join(', ')}. Cached answer before the change: ${f(c.hitMs, 2)} ms per request (warm).`,
  ].join('\n');
}

export function soakSection(s) {
  const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const first = s.rss.filter((x) => x.t < 20).map((x) => x.rssMb);
  const last = s.rss.filter((x) => x.t >= s.seconds - 20).map((x) => x.rssMb);
  const firstMean = mean(first);
  const lastMean = mean(last);
  return [
    `### Soak: ${s.seconds} s at ${s.connections} connections, large world, service with cache on`,
    '',
    '| req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors | RSS first 20 s mean MB | RSS last 20 s mean MB | growth | peak RSS MB | event-loop delay p50 / p99 / max ms |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${f(s.wrk.rps, 0)} | ${f(s.wrk.p50Ms)} | ${f(s.wrk.p99Ms)} | ${f(s.wrk.maxMs, 0)} | ${s.wrk.non2xx} | ${s.wrk.socketErrors} | ${f(firstMean, 1)} | ${f(lastMean, 1)} | ${f(lastMean - firstMean, 1)} MB (${f((100 * (lastMean - firstMean)) / firstMean, 1)} %) | ${f(s.wrk.peakRssMb, 0)} | ${s.eventLoop ? `${f(s.eventLoop.p50Ms)} / ${f(s.eventLoop.p99Ms)} / ${f(s.eventLoop.maxMs)}` : 'not measured'} |`,
    '',
    // The heap grows in a sawtooth between collections, so the means depend on where the
    // windows fall in it; the lowest sample of each window (just after a collection) is the
    // steadier sign of memory that stays.
    `Lowest RSS (after a collection): first 20 s ${f(Math.min(...first), 0)} MB, last 20 s ${f(Math.min(...last), 0)} MB (${f(Math.min(...last) - Math.min(...first), 0)} MB).`,
    '',
    `RSS every second (MB): ${s.rss.map((x) => f(x.rssMb, 0)).join(' ')}`,
    '',
    `Verdict: ${s.wrk.non2xx === 0 && s.wrk.socketErrors === 0 ? 'PASS' : 'FAIL'} (zero non-2xx and zero socket errors required).` +
      ' Event-loop delay: perf_hooks.monitorEventLoopDelay inside the service (bench/event-loop-probe.mjs, preloaded with --import), beyond its 10 ms timer.',
  ].join('\n');
}

export function scaleSection(sc) {
  const lines = [
    `### Scale: 100,000 vs 1,000,000 providers (same accounts and users), service with cache off`,
    '',
    `1M world: generated and imported in ${f(sc.importSeconds, 0)} s.`,
    '',
    '| who | providers in answer (100k → 1M) | p50 ms at 100k | p50 ms at 1M | p50 ratio | req/s at 100k | req/s at 1M |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const who of sc.who) {
    const a = sc.at100k[who.key];
    const b = sc.at1m[who.key];
    lines.push(
      `| ${who.title} | ${who.answer100k} → ${who.answer1m} | ${f(a.p50Ms)} | ${f(b.p50Ms)} | ${f(ratio(b.p50Ms, a.p50Ms))} | ${f(a.rps, 0)} | ${f(b.rps, 0)} |`,
    );
  }
  lines.push(
    '',
    `Query plan for ${sc.planUser} at 100,000 providers (EXPLAIN (ANALYZE, BUFFERS)):`,
    '',
    '```',
    sc.plan100k,
    '```',
    '',
    `At 1,000,000 providers:`,
    '',
    '```',
    sc.plan1m,
    '```',
  );
  return lines.join('\n');
}

const mib = (bytes) => f(bytes / 2 ** 20, 2);
const count = (n) => n.toLocaleString('en-US');
const boundMib = (bytes) => (Number.isInteger(bytes / 2 ** 20) ? String(bytes / 2 ** 20) : mib(bytes));

/** Whether the cache's own count stayed within its bound: after the users, while they were served, after the superusers. */
export function withinBound(run) {
  return Math.max(run.afterUsers.bytes, run.maxSeenBytes, run.afterSuperusers.bytes) <= run.boundBytes;
}

export function scaleUsersSection(s) {
  const { accounts, users, providers } = s.counts;
  const [superuser] = s.runs[0].superusers;
  const kinds = Object.entries(s.kinds)
    .filter(([, n]) => n > 0)
    .map(([kind, n]) => `${count(n)} ${kind}`)
    .join(', ');
  const lines = [
    `### ${count(providers)} providers and ${count(users)} users: the cache within its bound (issue 16)`,
    '',
    `World: ${count(accounts)} accounts / ${count(users)} users / ${count(providers)} providers (seed 42), generated in ${f(s.generateSeconds, 0)} s; ` +
      (s.importSeconds === null
        ? `database ${s.database} reused (--reuse-worlds).`
        : `imported in ${f(s.importSeconds, 0)} s (argon2id hashes every password: most of it).`) +
      ` Planner statistics: ${s.statistics}.`,
    '',
    `${s.everyUser ? 'Every user of the world' : 'A spread sample of the users'} (${count(s.users)}: ${kinds}) listed once on a fresh production service with the cache on, ${s.parallel} at a time, tokens signed with the run's secret; ` +
      `each answer compared byte for byte with the reference model (grouped by account, itself checked against the rule over the whole file for ${s.ruleChecked} users of every case); an inactive user's token must get 401. ` +
      `Answers: ${s.answerSizes}.` +
      (superuser
        ? ` The superuser (${superuser.username}) lists last: all ${count(providers)} providers, ${mib(superuser.bytes)} MiB` +
          (s.runs.every((r) => superuser.bytes > r.boundBytes)
            ? ', larger than either bound: read for that answer and not kept.'
            : '.')
        : ''),
    '',
    "| bound | answers checked | differences | users listed in s (answers/s) | cache after the users MiB | highest seen MiB | entries | evictions | answers hit / missed | cache after the superuser MiB | superuser's answer ms (checked too) | peak RSS, users MB | peak RSS with the superuser MB | within the bound |",
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |',
  ];
  for (const r of s.runs) {
    const a = r.afterUsers;
    const bound = `${r.setting ? `PROVIDERS_CACHE_MAX_BYTES=${r.setting}` : 'default'} (${boundMib(r.boundBytes)} MiB)`;
    lines.push(
      `| ${bound} | ${count(r.answers)} | ${r.differences} | ${f(r.usersSeconds, 0)} (${f(r.listed / r.usersSeconds, 0)}) | ${mib(a.bytes)} | ${mib(r.maxSeenBytes)} | ${count(a.entries)} | ${count(a.evictions)} | ${count(a.hits)} / ${count(a.misses)} | ${mib(r.afterSuperusers.bytes)} | ${r.superusers.map((x) => `${f(x.ms, 0)}${x.problem ? ' WRONG' : ''}`).join(', ') || '—'} | ${f(r.peakUsersMb, 0)} | ${f(r.peakMb, 0)} | ${withinBound(r) ? 'yes' : 'NO'} |`,
    );
  }
  for (const r of s.runs) {
    for (const x of r.superusers.filter((x) => x.problem)) lines.push('', `Wrong superuser answer: ${x.problem}.`);
  }
  lines.push(
    '',
    "The cache's bytes are its own count (`providers_list_cache_bytes` on `METRICS_PORT`, as the size bound counts them), scraped after the users, after the superuser, and every second from the service's start to the end (the highest). " +
      "Entries, evictions and hits / misses (per answer: a miss read at least one piece from the database) are the cache's counters after the users; each user lists once, so each answer needs that user's plan at least and no answer can be a hit. Peak RSS: the service's VmHWM from the start of the users' lists.",
  );
  return lines.join('\n');
}

function scaleUsersTargets(s) {
  const { users, providers } = s.counts;
  return s.runs.flatMap((r) => {
    const at = `${count(providers)} providers / ${count(users)} users, bound ${boundMib(r.boundBytes)} MiB`;
    const highest = Math.max(r.afterUsers.bytes, r.maxSeenBytes, r.afterSuperusers.bytes);
    return [
      {
        target: `${at}: the cache stays within PROVIDERS_CACHE_MAX_BYTES`,
        measured: `${count(highest)} bytes at most, of ${count(r.boundBytes)}`,
        met: withinBound(r),
      },
      {
        target: `${at}: every answer correct`,
        measured: `${count(r.answers)} checked, ${r.differences} differences`,
        met: r.differences === 0,
      },
    ];
  });
}

export function profileSection(p) {
  return [
    p.title ??
      `### Where the service spends its time (cache ${p.cache}, large world, ${p.seconds} s under load, CPU profile of that window)`,
    '',
    `${f(p.rps, 0)} req/s while profiled (the profiler slows it). Self time by package:`,
    '',
    '| package / area | self time % |',
    '| --- | ---: |',
    ...p.byPackage.map((x) => `| ${x.name} | ${f(x.percent, 1)} |`),
    '',
    'Top functions by self time:',
    '',
    '| self % | function | where | mostly called from |',
    '| ---: | --- | --- | --- |',
    ...p.top.map((x) => `| ${f(x.percent, 1)} | ${x.functionName} | ${x.where} | ${x.via} |`),
    ...(p.inclusive?.length
      ? [
          '',
          "The service's own functions by inclusive time (everything under them, each sample counted once per function):",
          '',
          '| inclusive % | function |',
          '| ---: | --- |',
          ...p.inclusive.map((x) => `| ${f(x.percent, 1)} | ${x.name} |`),
        ]
      : []),
  ].join('\n');
}

/** Each target with the measured value and met / missed. */
export function targetsSection(t) {
  return [
    '### Targets',
    '',
    '| target | measured | |',
    '| --- | --- | --- |',
    ...t.map((x) => `| ${x.target} | ${x.measured} | ${x.met === null ? 'not measured' : x.met ? 'met' : 'MISSED'} |`),
  ].join('\n');
}

export function evaluateTargets(report) {
  const targets = [];
  const rowOf = (size, server) => report.sizes.find((s) => s.label === size)?.rows.find((r) => r.server === server);
  for (const size of ['small', 'large']) {
    const base = rowOf(size, 'baseline');
    const off = rowOf(size, 'service (cache off)');
    if (!base || !off) continue;
    const tp = ratio(off.rps, base.rps);
    const p99 = ratio(off.p99Ms, base.p99Ms);
    targets.push({ target: `${size}: cache off throughput ≥ 0.8 × baseline`, measured: `${f(tp)} ×`, met: tp >= 0.8 });
    targets.push({ target: `${size}: cache off p99 ≤ 1.5 × baseline p99`, measured: `${f(p99)} ×`, met: p99 <= 1.5 });
  }
  for (const size of ['small', 'large']) {
    const floor = rowOf(size, 'Nest floor');
    const on = rowOf(size, 'service (cache on)');
    if (!floor || !on) continue;
    const tp = ratio(on.rps, floor.rps);
    const p99 = ratio(on.p99Ms, floor.p99Ms);
    targets.push({
      target: `${size}: cache on throughput ≥ 0.8 × the Nest floor`,
      measured: `${f(tp)} ×`,
      met: tp >= 0.8,
    });
    targets.push({
      target: `${size}: cache on p99 ≤ 1.5 × the Nest floor's`,
      measured: `${f(p99)} ×`,
      met: p99 <= 1.5,
    });
  }
  const base = rowOf('large', 'baseline');
  const on = rowOf('large', 'service (cache on)');
  if (base && on) {
    const tp = ratio(on.rps, base.rps);
    targets.push({ target: 'large: cache on throughput ≥ 3 × baseline', measured: `${f(tp)} ×`, met: tp >= 3 });
  }
  if (report.scale) {
    const sc = report.scale;
    const p50Ratio = (key) => ratio(sc.at1m[key].p50Ms, sc.at100k[key].p50Ms);
    const [customer, staff] = sc.who;
    const r = p50Ratio(customer.key);
    targets.push({
      target: `1M providers: ${customer.title} p50 ≤ 2 × its p50 at 100k`,
      measured: `${f(r)} × (its answer grew ${customer.answer100k} → ${customer.answer1m} providers; ${staff.title}, same answer in both: ${f(p50Ratio(staff.key))} ×)`,
      met: r <= 2,
    });
  }
  const large = ['service (cache off)', 'service (cache on)'].map((s) => rowOf('large', s)).filter(Boolean);
  if (report.passthrough) targets.push(...passthroughTargets(report.passthrough));
  if (report.scaleUsers) targets.push(...scaleUsersTargets(report.scaleUsers));
  if (large.length) {
    const peak = Math.max(...large.map((r) => r.peakRssMb), report.soak?.wrk.peakRssMb ?? 0);
    targets.push({
      target: 'service peak RSS ≤ 300 MB under the large benchmark',
      measured: `${f(peak, 0)} MB`,
      met: peak <= 300,
    });
  }
  return targets;
}

export function fullReport(report) {
  const parts = [
    `## providers-service benchmark, ${report.date}`,
    '',
    `Built from ${report.source}. Machine: ${report.machine}. wrk: 1 thread, ${report.options.connections} connections, ${report.options.warmup} s warm-up then ${report.options.duration} s measured, each sampled user's token in turn. Only ratios within one run count: the machine is shared and noisy.`,
    '',
    `Load: ${report.load}`,
    '',
    ...report.sizes.map((s) => `${sizeTable(s)}\n`),
  ];
  if (report.passthrough) {
    parts.push(passthroughSection(report.passthrough), '');
    for (const profile of report.passthrough.profiles ?? []) parts.push(profileSection(profile), '');
  }
  for (const instances of report.instances ?? []) parts.push(instancesSection(instances), '');
  if (report.superuser) parts.push(superuserSection(report.superuser), '');
  if (report.changeDelay) parts.push(changeDelaySection(report.changeDelay), '');
  if (report.soak) parts.push(soakSection(report.soak), '');
  if (report.scale) parts.push(scaleSection(report.scale), '');
  if (report.scaleUsers) parts.push(scaleUsersSection(report.scaleUsers), '');
  for (const profile of report.profiles ?? []) parts.push(profileSection(profile), '');
  const targets = evaluateTargets(report);
  if (targets.length) parts.push(targetsSection(targets), '');
  return parts.join('\n');
}

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** RSS samples of a run split in thirds: the means and the lowest sample (after a collection) of the first and last. */
export function rssThirds(samples, seconds) {
  const first = samples.filter((x) => x.t < seconds / 3).map((x) => x.rssMb);
  const last = samples.filter((x) => x.t >= (2 * seconds) / 3).map((x) => x.rssMb);
  const firstLow = Math.min(...first);
  const lastLow = Math.min(...last);
  return {
    window: seconds / 3,
    firstMean: mean(first),
    lastMean: mean(last),
    firstLow,
    lastLow,
    lowGrowthPercent: (100 * (lastLow - firstLow)) / firstLow,
  };
}

/** Added latency and throughput ratio of the relayed call against the direct one, per kind of call and connections. */
function passthroughGaps(p) {
  const pairs = [...new Set(p.wrk.map((r) => `${r.connections} ${r.kind}`))].map((key) => key.split(' '));
  return pairs.map(([connections, kind]) => {
    const same = (r) => r.kind === kind && r.connections === Number(connections);
    const direct = p.wrk.find((r) => same(r) && r.path === 'direct');
    const relayed = p.wrk.find((r) => same(r) && r.path === 'service');
    return {
      kind,
      connections: Number(connections),
      addedP50: relayed.p50Ms - direct.p50Ms,
      addedP99: relayed.p99Ms - direct.p99Ms,
      throughput: ratio(relayed.rps, direct.rps),
    };
  });
}

function firstChunkGaps(p) {
  const pairs = [...new Set(p.firstChunk.map((r) => `${r.connections} ${r.stream}`))].map((key) => key.split(' '));
  return pairs.map(([connections, stream]) => {
    const same = (r) => r.stream === stream && r.connections === Number(connections);
    const direct = p.firstChunk.find((r) => same(r) && r.path === 'direct');
    const relayed = p.firstChunk.find((r) => same(r) && r.path === 'service');
    return {
      stream,
      connections: Number(connections),
      addedP50: relayed.firstP50Ms - direct.firstP50Ms,
      addedP99: relayed.firstP99Ms - direct.firstP99Ms,
    };
  });
}

const STREAM_TITLES = { paced: 'paced (100 events, 2 ms apart)', fast: 'back to back (100 events at once)' };

export function passthroughSection(p) {
  const gaps = passthroughGaps(p);
  const firstGaps = firstChunkGaps(p);
  const l = p.leaving;
  const thirds = rssThirds(l.rss, l.seconds);
  return [
    `### Prompt passthrough: the stub upstream directly, and through the service`,
    '',
    `A stub OpenAI-compatible upstream on loopback (\`bench/stub-upstream/server.mjs\`, node:http) answers a fixed completion (${p.completionBytes} bytes of JSON) or a stream of 100 server-sent events (${p.streamBytes} bytes). "direct" calls it with its key; "service" calls \`POST /api/v1/prompts/passthrough/{id}\` of the production build (one instance, \`EGRESS_ALLOW_HOSTS=127.0.0.1:<stub port>\`, everything else default) with ${p.users} users' tokens in turn, which relays to the stub. Same payloads, ${p.connections} connections.`,
    '',
    `wrk (1 thread), the whole answer:`,
    '',
    '| call | path | connections | req/s | p50 ms | p99 ms | max ms | non-2xx | socket errors | peak RSS MB | CPU ms per call: service / stub |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...p.wrk.map(
      (r) =>
        `| ${r.kind} | ${r.path === 'direct' ? 'direct (RSS: the stub)' : 'through the service'} | ${r.connections} | ${f(r.rps, 0)} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${f(r.maxMs, 0)} | ${r.non2xx} | ${r.socketErrors} | ${f(r.peakRssMb, 0)} | ${r.path === 'direct' ? '—' : f(r.cpuMsPerCall.service, 3)} / ${f(r.cpuMsPerCall.stub, 3)} |`,
    ),
    `| providers list (cache on), for comparison | the same service | ${p.connections} | ${f(p.list.rps, 0)} | ${f(p.list.p50Ms)} | ${f(p.list.p99Ms)} | ${f(p.list.maxMs, 0)} | ${p.list.non2xx} | ${p.list.socketErrors} | — | ${f(p.list.cpuMsPerCall, 3)} / — |`,
    '',
    '| call | connections | added p50 ms | added p99 ms | throughput ÷ direct |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...gaps.map((g) => `| ${g.kind} | ${g.connections} | ${f(g.addedP50)} | ${f(g.addedP99)} | ${f(g.throughput)} |`),
    '',
    `Time to the first streamed chunk (a Node client, \`bench/lib/stream-client.mjs\`: wrk cannot see a body's first chunk; each call from request to the first body byte):`,
    '',
    '| stream | path | connections | calls/s | first chunk p50 ms | first chunk p99 ms | whole stream p50 ms | whole stream p99 ms | events per stream | non-200 | errors |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...p.firstChunk.map(
      (r) =>
        `| ${STREAM_TITLES[r.stream]} | ${r.path === 'direct' ? 'direct' : 'through the service'} | ${r.connections} | ${f(r.callsPerSecond, 0)} | ${f(r.firstP50Ms)} | ${f(r.firstP99Ms)} | ${f(r.totalP50Ms, 1)} | ${f(r.totalP99Ms, 1)} | ${f(r.eventsPerCall, 0)} | ${r.non200} | ${r.errors} |`,
    ),
    '',
    '| stream | connections | first chunk: added p50 ms | added p99 ms |',
    '| --- | ---: | ---: | ---: |',
    ...firstGaps.map((g) => `| ${STREAM_TITLES[g.stream]} | ${g.connections} | ${f(g.addedP50)} | ${f(g.addedP99)} |`),
    '',
    `Clients that leave: ${l.seconds} s of paced streams through the service, ${p.connections} connections, each call abandoned (connection closed) after 1 to 60 of its 100 events: ${l.calls} calls, ${l.left} left half-way, ${l.non200} non-200, ${l.errors} other errors; the stub saw ${l.upstreamCut} of its ${l.upstreamStarted} streams cut by the service before their end.`,
    '',
    `| RSS first ${f(thirds.window, 0)} s mean MB | last ${f(thirds.window, 0)} s mean MB | lowest, first ${f(thirds.window, 0)} s MB | lowest, last ${f(thirds.window, 0)} s MB | growth of the lows | peak RSS MB |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${f(thirds.firstMean, 1)} | ${f(thirds.lastMean, 1)} | ${f(thirds.firstLow, 1)} | ${f(thirds.lastLow, 1)} | ${f(thirds.lastLow - thirds.firstLow, 1)} MB (${f(thirds.lowGrowthPercent, 1)} %) | ${f(l.peakRssMb, 0)} |`,
    '',
    `RSS every second (MB): ${l.rss.map((x) => f(x.rssMb, 0)).join(' ')}`,
    '',
    heapLine(l),
    '',
    `After it, 4 calls at once for each user (the per-user limit): ${Object.entries(p.leak)
      .map(([status, n]) => `${n} × ${status}`)
      .join(', ')} (a 429 would be a slot never given back). Usage journal rows by outcome: ${Object.entries(
      p.journalRows,
    )
      .map(([outcome, n]) => `${outcome} ${n}`)
      .join(', ')}. Calls that reached the stub without its key: ${p.unauthorized}.`,
  ].join('\n');
}

function heapLine(l) {
  const [a, b] = [l.heapBefore, l.heapAfter];
  if (!a || !b) return 'After a full collection: not measured (the heap probe did not answer).';
  return (
    `After a full collection (\`bench/heap-probe.mjs\`), just before and just after those ${l.seconds} s: heap used ${f(a.heapUsedMb, 1)} → ${f(b.heapUsedMb, 1)} MB (${f(b.heapUsedMb - a.heapUsedMb, 1)} MB), ` +
    `external ${f(a.externalMb, 1)} → ${f(b.externalMb, 1)} MB, RSS ${f(a.rssMb, 0)} → ${f(b.rssMb, 0)} MB.`
  );
}

export function passthroughTargets(p) {
  const gaps = passthroughGaps(p);
  const firstGaps = firstChunkGaps(p);
  const at = (list, key, value, connections) =>
    list.find((g) => g[key] === value && g.connections === connections) ?? {};
  const completion = at(gaps, 'kind', 'completion', p.connections);
  const stream = at(gaps, 'kind', 'stream', p.connections);
  const serial = at(gaps, 'kind', 'completion', 1);
  const paced = at(firstGaps, 'stream', 'paced', p.connections);
  const fast = at(firstGaps, 'stream', 'fast', p.connections);
  const pacedSerial = at(firstGaps, 'stream', 'paced', 1);
  const thirds = rssThirds(p.leaving.rss, p.leaving.seconds);
  const worstThroughput = Math.min(completion.throughput, stream.throughput);
  return [
    {
      target: 'passthrough: added latency p50 ≤ 1 ms',
      measured: `${f(completion.addedP50)} ms (completion), ${f(stream.addedP50)} ms (stream, whole), at ${p.connections} connections; ${f(serial.addedP50)} ms at 1 connection`,
      met: completion.addedP50 <= 1,
    },
    {
      target: 'passthrough: added latency p99 ≤ 3 ms',
      measured: `${f(completion.addedP99)} ms (completion), ${f(stream.addedP99)} ms (stream, whole), at ${p.connections} connections; ${f(serial.addedP99)} ms at 1 connection`,
      met: completion.addedP99 <= 3,
    },
    {
      target: 'passthrough: first streamed chunk ≤ 2 ms later than direct',
      measured: `p50 +${f(paced.addedP50)} ms, p99 +${f(paced.addedP99)} ms (paced, ${p.connections} connections); p50 +${f(fast.addedP50)} ms (back to back, saturated); p50 +${f(pacedSerial.addedP50)} ms (paced, 1 connection)`,
      met: paced.addedP50 <= 2,
    },
    {
      target: 'passthrough: throughput ≥ 0.7 × direct',
      measured: `${f(completion.throughput)} × (completion), ${f(stream.throughput)} × (stream)`,
      met: worstThroughput >= 0.7,
    },
    {
      target: `passthrough: RSS flat over ${p.leaving.seconds} s of clients leaving mid-stream (lows of the last third within 5 % of the first's)`,
      measured:
        `${f(thirds.lastLow - thirds.firstLow, 1)} MB (${f(thirds.lowGrowthPercent, 1)} %); means ${f(thirds.firstMean, 0)} → ${f(thirds.lastMean, 0)} MB` +
        (p.leaving.heapBefore && p.leaving.heapAfter
          ? `; heap after a full collection ${f(p.leaving.heapBefore.heapUsedMb, 1)} → ${f(p.leaving.heapAfter.heapUsedMb, 1)} MB`
          : ''),
      met: thirds.lowGrowthPercent <= 5,
    },
  ];
}

export function instancesSection(s) {
  const lines = [
    `### ${s.count} instances on one database beside one (${s.label} world; information only)`,
    '',
    `The providers list, production builds on one PostgreSQL database, ${s.connections} connections in all: one wrk per instance, run together, with its share of the connections (no balancer: see \`lib/instances.mjs\`). Throughput is the sum; latency is per instance. The ${s.count} instances, PostgreSQL and wrk share this machine's cores: this says what a second instance buys on the same machine, not what a second machine would.`,
    '',
    '| cache | instances | req/s in all | ÷ one instance | req/s each | p50 ms each | p99 ms each | non-2xx | socket errors | peak RSS MB each |',
    '| --- | ---: | ---: | ---: | --- | --- | --- | ---: | ---: | --- |',
  ];
  for (const r of s.rows) {
    const one = s.rows.find((x) => x.cache === r.cache && x.instances === 1);
    const each = (fn) => r.perInstance.map(fn).join(' / ');
    lines.push(
      `| ${r.cache} | ${r.instances} | ${f(r.rps, 0)} | ${f(ratio(r.rps, one.rps))} | ${each((x) => f(x.rps, 0))} | ${each((x) => f(x.p50Ms))} | ${each((x) => f(x.p99Ms))} | ${r.non2xx} | ${r.socketErrors} | ${each((x) => f(x.peakRssMb, 0))} |`,
    );
  }
  return lines.join('\n');
}
