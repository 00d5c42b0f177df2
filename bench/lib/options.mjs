import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run bench -- [options]
Builds the service, then for each world size benchmarks the bare baseline, the two reference
servers (bare cache-hit server, Nest floor) and the service (cache off, cache on, and cache on
in the Smarter format) with wrk, after checking that all six give the right answers.
With --passthrough, --instances or --scale-users (or several), only those run.

  --sizes small,large   which worlds (default: both; with --instances alone: small)
  --passthrough         the prompt passthrough against a stub upstream, direct vs through the
                        service: added latency, time to first chunk, throughput, memory
  --passthrough-duration N
                        seconds of clients leaving streams half-way, RSS sampled (default 20;
                        the README's figures are from 60)
  --instances N         throughput of N production instances on one database beside one
                        (cache off and on), on the worlds of --sizes (default small)
  --duration N          seconds of each measured wrk run (default 15)
  --warmup N            seconds of wrk warm-up before each measured run (default 3)
  --connections N       wrk connections (default 32)
  --miss-storm          also issue 16's miss storm (every active user's token in rotation, a platform
                        provider renamed every second) and memory figure, on the large world (cache on)
  --soak                also the 60 s soak at 64 connections on the large world (cache on)
  --soak-duration N     seconds of the soak (default 60)
  --scale               also the 1,000,000-provider world (several minutes: import hashes 5,000 passwords)
  --scale-users         issue 16's memory target: a world of 1,000,000 providers and 50,000 users, and
                        every user's list (with the cache on, at its default bound, then at 8 MiB)
                        checked byte for byte against the reference model: the cache's bytes against
                        the bound, peak RSS (about 15 min, most of it the import hashing 50,000
                        passwords; with --reuse-worlds, that once)
  --scale-users-sample N
                        with --scale-users: N users spread over the world (and one of each case of the
                        read rule) instead of all 50,000
  --profile             also CPU profiles of the service (cache off, cache on) under load: top self-time functions;
                        with --passthrough, of the relayed completion and stream
  --write               write the report to bench/results/<YYYY-MM-DD>.md
  --keep                keep the work directory (worlds, tokens, logs, profiles) and the databases
  --dist DIR            benchmark this build instead of running npm run build (a directory inside
                        the repository, laid out as dist/; e.g. to compare two builds)
  --reuse-worlds        keep each world's database (providers_bench_<size>_reused) and reuse it on the
                        next --reuse-worlds run instead of importing again (for iterating on src/)
  --help

Environment: TEST_DATABASE_URL (admin connection; default postgres://postgres@127.0.0.1:5432/postgres).`;

export const SIZES = {
  small: { accounts: 20, users: 100, providers: 500 },
  large: { accounts: 500, users: 5_000, providers: 100_000 },
};

/** Parsed command line; throws a RangeError with a message for the user on anything wrong. */
export function parseOptions(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: 'string' },
      passthrough: { type: 'boolean', default: false },
      'passthrough-duration': { type: 'string', default: '20' },
      instances: { type: 'string' },
      duration: { type: 'string', default: '15' },
      warmup: { type: 'string', default: '3' },
      connections: { type: 'string', default: '32' },
      soak: { type: 'boolean', default: false },
      'miss-storm': { type: 'boolean', default: false },
      'soak-duration': { type: 'string', default: '60' },
      scale: { type: 'boolean', default: false },
      'scale-users': { type: 'boolean', default: false },
      'scale-users-sample': { type: 'string' },
      profile: { type: 'boolean', default: false },
      write: { type: 'boolean', default: false },
      keep: { type: 'boolean', default: false },
      'reuse-worlds': { type: 'boolean', default: false },
      dist: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const modes = values.passthrough || values.instances !== undefined || values['scale-users'];
  const sizes = (values.sizes ?? (values.instances !== undefined ? 'small' : modes ? '' : 'small,large'))
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const size of sizes) {
    if (!(size in SIZES))
      throw new RangeError(`--sizes: unknown size "${size}" (known: ${Object.keys(SIZES).join(', ')})`);
  }
  const whole = (name, min) => {
    const text = values[name];
    if (text === undefined) return undefined;
    if (!/^\d+$/.test(text) || Number(text) < min)
      throw new RangeError(`--${name} must be a whole number >= ${min}, got "${text}"`);
    return Number(text);
  };
  const options = {
    help: values.help,
    sizes,
    duration: whole('duration', 1),
    warmup: whole('warmup', 0),
    connections: whole('connections', 1),
    soak: values.soak,
    missStorm: values['miss-storm'],
    soakDuration: whole('soak-duration', 3),
    scale: values.scale,
    scaleUsers: values['scale-users'],
    scaleUsersSample: whole('scale-users-sample', 1),
    profile: values.profile,
    write: values.write,
    keep: values.keep,
    reuseWorlds: values['reuse-worlds'],
    dist: values.dist,
    passthrough: values.passthrough,
    passthroughDuration: whole('passthrough-duration', 3),
    instances: whole('instances', 2),
    // The providers-list benchmark of each size runs when no other mode is asked for.
    sizeRuns: !modes,
  };
  if (options.scaleUsersSample !== undefined && !options.scaleUsers)
    throw new RangeError('--scale-users-sample goes with --scale-users');
  if (sizes.length === 0 && options.instances !== undefined)
    throw new RangeError('--instances needs a world: give --sizes');
  // The soak, the scale test and the profile all run on the large world.
  const largeRun = options.sizeRuns && sizes.includes('large');
  if ((options.soak || options.scale || options.missStorm) && !largeRun) {
    throw new RangeError(
      '--soak, --scale and --miss-storm need the large world of the providers-list runs: add large to --sizes, without --passthrough, --instances or --scale-users',
    );
  }
  if (options.profile && !largeRun && !options.passthrough) {
    throw new RangeError('--profile needs the large world (providers list) or --passthrough');
  }
  return options;
}
