/** Text (Markdown) of the report: the tables, the extra figures, the targets. Pure functions. */

const f = (n, digits = 2) => (n === null || n === undefined || Number.isNaN(n) ? '—' : n.toFixed(digits));
const ratio = (a, b) => (b > 0 ? a / b : NaN);

export function sizeTable(size) {
  const base = size.rows.find((r) => r.server === 'baseline');
  const lines = [
    `### ${size.label}: ${size.counts.accounts} accounts / ${size.counts.users} users / ${size.counts.providers} providers`,
    '',
    `Answers: ${size.answerSizes}.${size.importSeconds === null ? ' World database reused.' : ` Import: ${f(size.importSeconds, 0)} s.`} Planner statistics: ${size.statistics}.`,
    '',
    '| server | req/s | p50 ms | p99 ms | non-2xx | socket errors | peak RSS MB | req/s ÷ baseline | p99 ÷ baseline |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of size.rows) {
    lines.push(
      `| ${r.server} | ${f(r.rps, 0)} | ${f(r.p50Ms)} | ${f(r.p99Ms)} | ${r.non2xx} | ${r.socketErrors} | ${f(r.peakRssMb, 0)} | ${f(ratio(r.rps, base.rps))} | ${f(ratio(r.p99Ms, base.p99Ms))} |`,
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

export function profileSection(p) {
  return [
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
    ...report.sizes.map((s) => `${sizeTable(s)}\n`),
  ];
  if (report.superuser) parts.push(superuserSection(report.superuser), '');
  if (report.changeDelay) parts.push(changeDelaySection(report.changeDelay), '');
  if (report.soak) parts.push(soakSection(report.soak), '');
  if (report.scale) parts.push(scaleSection(report.scale), '');
  for (const profile of report.profiles ?? []) parts.push(profileSection(profile), '');
  parts.push(targetsSection(evaluateTargets(report)), '');
  return parts.join('\n');
}
