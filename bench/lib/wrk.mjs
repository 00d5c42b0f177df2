import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { PROVIDERS_PATH } from './servers.mjs';

const SCRIPT = fileURLToPath(new URL('../wrk-rotate-tokens.lua', import.meta.url));

function hasWrk() {
  try {
    execFileSync('wrk', ['--version'], { stdio: 'ignore' });
    return true;
  } catch (err) {
    // wrk --version prints its usage and exits 1: it is there all the same.
    return err.code !== 'ENOENT';
  }
}

/** wrk is a Debian package; install it when missing (apt-get update only if the first try fails). */
export function ensureWrk(log) {
  if (hasWrk()) return;
  log('wrk is missing: apt-get install -y wrk');
  const install = () =>
    execFileSync('apt-get', ['install', '-y', 'wrk'], {
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  try {
    install();
  } catch {
    execFileSync('apt-get', ['update'], { stdio: ['ignore', 'ignore', 'pipe'] });
    install();
  }
  if (!hasWrk()) throw new Error('wrk is still missing after apt-get install wrk');
}

/**
 * One wrk run of POSTs rotating through the tokens in `tokensFile`: against the providers
 * list with no body, or, given `url` and `bodyFile`, against any URL with that body (the
 * passthrough benchmark).
 * Resolves to the figures of the run: throughput, latency percentiles (ms) and the errors
 * wrk counts (`non2xx` is its status count, every response >= 400; a 3xx cannot occur here
 * since wrk sends no Accept header that could ask for the login redirect).
 */
export function runWrk({
  baseUrl,
  tokensFile,
  connections,
  seconds,
  timeoutSeconds = 10,
  url = `${baseUrl}${PROVIDERS_PATH}`,
  bodyFile,
}) {
  const args = [
    '-t1',
    `-c${connections}`,
    `-d${seconds}s`,
    `--timeout`,
    `${timeoutSeconds}s`,
    '-s',
    SCRIPT,
    url,
    '--',
    tokensFile,
    ...(bodyFile === undefined ? [] : [bodyFile]),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c) => (out += c));
    child.stderr.on('data', (c) => (out += c));
    child.on('error', reject);
    child.on('exit', (code) => {
      const line = /^WRK-JSON (.*)$/m.exec(out)?.[1];
      if (code !== 0 || !line) return reject(new Error(`wrk failed (exit ${code}):\n${out}`));
      const r = JSON.parse(line);
      const seconds = r.duration_us / 1e6;
      resolve({
        requests: r.requests,
        rps: r.requests / seconds,
        p50Ms: r.p50_us / 1000,
        p90Ms: r.p90_us / 1000,
        p99Ms: r.p99_us / 1000,
        maxMs: r.max_us / 1000,
        non2xx: r.status,
        socketErrors: r.connect + r.read + r.write + r.timeout,
        socketErrorDetail: { connect: r.connect, read: r.read, write: r.write, timeout: r.timeout },
        mbPerSecond: r.bytes / seconds / 1e6,
      });
    });
  });
}
