import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { COMPILED_MAIN, compileService, ROOT } from './compiled.js';

/**
 * A loopback port nothing listens on, for a process that will bind it a little later. Taken
 * below Linux's ephemeral range (32768-60999), from which outgoing connections draw their
 * local ports: a port the kernel handed out (listen(0)) could be taken by one of those before
 * it is bound again.
 */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * 12_000);
    const free = await new Promise<boolean>((resolve) => {
      const server = createServer();
      server.once('error', () => resolve(false));
      server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error('no free port found between 20000 and 32000');
}

export interface ServiceProcess {
  child: ChildProcess;
  /** http://127.0.0.1:<port> */
  base: string;
  port: number;
  /** Everything the process wrote to stdout and stderr so far, colours removed. */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal) once the process has exited. */
  exited: Promise<number | null>;
  /** SIGKILLs the process if it is still running; for afterAll. */
  kill(): Promise<void>;
}

/**
 * The built service (compiled main.js, as `npm run start:prod` runs it) in a child process of
 * its own, on a free loopback port, with only the environment given here (plus PATH and HOME):
 * nothing leaks in from the shell that runs the tests. Resolves once /healthz answers.
 */
export async function startService(env: Record<string, string>): Promise<ServiceProcess> {
  await compileService();
  // The port was free a moment ago; an outgoing connection may have taken it since (they share
  // the ephemeral range). Then the service fails to bind, and another port is tried.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnPort(env, await freePort());
    } catch (err) {
      if (attempt === 3 || !/already in use/.test((err as Error).message)) throw err;
    }
  }
}

async function startOnPort(env: Record<string, string>, port: number): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [COMPILED_MAIN], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      HOST: '127.0.0.1',
      PORT: String(port),
      NO_COLOR: '1',
      JWT_SECRET: randomBytes(48).toString('base64url'),
      SECRETS_KEY: randomBytes(32).toString('base64'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer) => (output += chunk.toString().replace(/\x1b\[[0-9;]*m/g, ''));
  child.stdout!.on('data', collect);
  child.stderr!.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const base = `http://127.0.0.1:${port}`;
  const service: ServiceProcess = {
    child,
    base,
    port,
    output: () => output,
    exited,
    async kill() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited;
      }
    },
  };
  for (const deadline = Date.now() + 60_000; ;) {
    if (child.exitCode !== null) throw new Error(`The service exited (${child.exitCode}) before answering:\n${output}`);
    const up = await fetch(`${base}/healthz`).then(
      (r) => r.ok,
      () => false,
    );
    if (up) return service;
    if (Date.now() > deadline) {
      await service.kill();
      throw new Error(`The service did not answer within 60 s:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Signs in over HTTP and returns the access token (users made by Factories or generated worlds have `pw-<username>`). */
export async function tokenFor(base: string, username: string, password = `pw-${username}`): Promise<string> {
  const res = await fetch(`${base}/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`Signing in as ${username} failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}
