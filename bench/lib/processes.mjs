import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

export function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * A server under test: `node` itself is the child (not npm or a shell), so its pid is the
 * process whose memory is measured. Output goes to `logFile`; `readyPath` is polled until it
 * answers 200.
 */
export async function startServer({ name, args, env, logFile, readyPath = '/readyz', timeoutMs = 60_000 }) {
  const port = await freePort();
  const log = createWriteStream(logFile);
  const child = spawn(process.execPath, args, {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = null;
  const exit = new Promise((resolve) => child.on('exit', (code, signal) => resolve((exited = { code, signal }))));
  const url = `http://127.0.0.1:${port}`;
  const ready = await untilReady(`${url}${readyPath}`, {
    timeoutMs,
    check() {
      if (exited)
        throw new Error(
          `${name} exited during start-up (${JSON.stringify(exited)}); see ${logFile}:\n${tail(logFile)}`,
        );
    },
  });
  if (!ready) {
    child.kill('SIGKILL');
    throw new Error(`${name} was not ready within ${timeoutMs / 1000} s; see ${logFile}`);
  }
  return {
    name,
    url,
    pid: child.pid,
    logFile,
    memory: new MemoryMonitor(child.pid),
    /** SIGTERM (the service finishes in-flight requests and exits 0), SIGKILL after `graceMs`. */
    async stop(graceMs = 10_000) {
      if (exited) return exited;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      const result = await exit;
      clearTimeout(timer);
      return result;
    },
  };
}

/**
 * Polls `url` every 100 ms until it answers 200: true then, false once `timeoutMs` has
 * passed. `check()` runs before each try and may throw to end the wait (the server exited).
 */
export async function untilReady(url, { timeoutMs = 60_000, check = () => {} } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    check();
    try {
      if ((await fetch(url)).status === 200) return true;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) return false;
    await sleep(100);
  }
}

function tail(file, lines = 20) {
  try {
    return readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}

/**
 * Resident memory of a process from /proc. The peak is the kernel's VmHWM; `resetPeak`
 * brings it back down to the current RSS (clear_refs "5", Linux >= 4.0), so that a peak can
 * be attributed to one phase: the measured load rather than start-up or the sign-ins before
 * it. Where the reset is refused, the peak falls back to the highest sample seen since.
 */
export class MemoryMonitor {
  constructor(pid) {
    this.pid = pid;
    this.samples = [];
    this.timer = null;
    this.resetWorked = false;
  }

  read() {
    const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
    const kb = (field) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
    return { rssMb: kb('VmRSS') / 1024, hwmMb: kb('VmHWM') / 1024 };
  }

  resetPeak() {
    try {
      writeFileSync(`/proc/${this.pid}/clear_refs`, '5');
      this.resetWorked = true;
    } catch {
      this.resetWorked = false;
    }
    this.samples = [];
  }

  /** Samples VmRSS every `intervalMs` until stopSampling(); each sample is {t (s since start), rssMb}. */
  startSampling(intervalMs = 1000) {
    this.stopSampling();
    const t0 = Date.now();
    const take = () => {
      try {
        this.samples.push({ t: (Date.now() - t0) / 1000, rssMb: this.read().rssMb });
      } catch {
        // The process is gone; the caller will find out.
      }
    };
    take();
    this.timer = setInterval(take, intervalMs);
  }

  stopSampling() {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  peakMb() {
    const sampled = Math.max(0, ...this.samples.map((s) => s.rssMb));
    const { hwmMb, rssMb } = this.read();
    return this.resetWorked ? Math.max(hwmMb, sampled) : Math.max(sampled, rssMb);
  }
}

const TICKS_PER_SECOND = 100;

/**
 * CPU time (user + system, ms) a process has used so far, from /proc/<pid>/stat. Linux counts
 * it in USER_HZ ticks, 100 a second on every architecture Node runs on here.
 */
export function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; the fields after its closing parenthesis do not.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
}
