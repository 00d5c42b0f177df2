import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './support/compiled.js';
import { freePort, tokenFor } from './support/service-process.js';

interface Running {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
  /** Every process of the group that held its output (npm's node child too) has exited. */
  closed: Promise<void>;
}

/** Starts a command in its own process group (npm → sh → node), collecting its output. */
function start(command: string, args: string[], env: Record<string, string>): Running {
  // Without DATABASE_URL the service uses the embedded database, as on a fresh machine.
  const { DATABASE_URL: _ignored, ...inherited } = process.env;
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { ...inherited, ...env },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  const closed = new Promise<void>((r) => child.on('close', () => r()));
  return { child, output: () => output, exited, closed };
}

async function waitReady(base: string, running: Running, ms = 120_000): Promise<void> {
  for (const end = Date.now() + ms; Date.now() < end;) {
    const ok = await fetch(`${base}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return;
    if (running.child.exitCode !== null) throw new Error(`exited early:\n${running.output()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not ready in time:\n${running.output()}`);
}

async function providersOf(base: string, username: string): Promise<string[]> {
  const token = await tokenFor(base, username); // throws unless the sign-in answers 200
  const res = await fetch(`${base}/dashboard/passthrough/api/providers/`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { providers: { name: string }[] }).providers.map((p) => p.name);
}

describe('npm start on a fresh clone (embedded database, demo data)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'providers-start-'));
  let env: Record<string, string>;
  let base: string;
  const running: Running[] = [];

  beforeAll(() => {
    env = { DATA_DIR: join(dataDir, '.data'), HOST: '127.0.0.1', NODE_ENV: 'development' };
  });

  /** Each start on a port free just before it: one held for minutes could be taken meanwhile. */
  async function startOnFreePort(command: string, args: string[]): Promise<Running> {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    return start(command, args, { ...env, PORT: String(port) });
  }
  afterAll(async () => {
    for (const r of running) {
      try {
        process.kill(-r.child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts as the README says, with the demo logins, and stops cleanly on SIGTERM', async () => {
    const r = await startOnFreePort('npm', ['start']);
    running.push(r);
    await waitReady(base, r);
    expect(r.output()).toMatch(/imported the demo world/);
    expect(r.output()).toMatch(/alice\s+pw-alice/);
    expect(r.output()).toMatch(/\/dashboard\/passthrough\//);
    expect(await providersOf(base, 'alice')).toHaveLength(13);
    // npm itself dies of the signal; what matters is that the service closed its database.
    process.kill(-r.child.pid!, 'SIGTERM');
    await r.closed;
    expect(r.output()).toMatch(/SIGTERM: finishing requests in flight/);
    expect(existsSync(join(env.DATA_DIR, 'embedded.lock'))).toBe(false);
  }, 240_000); // npm start builds the project first

  it('keeps its data across a restart and a hard kill, and does not import the demo world twice', async () => {
    const main = join(ROOT, 'dist', 'src', 'main.js');
    const again = await startOnFreePort(process.execPath, [main]);
    running.push(again);
    await waitReady(base, again);
    expect(again.output()).not.toMatch(/imported the demo world/);
    expect(await providersOf(base, 'carol')).toHaveLength(15);
    process.kill(-again.child.pid!, 'SIGKILL');
    await again.exited;

    const afterKill = await startOnFreePort(process.execPath, [main]);
    running.push(afterKill);
    await waitReady(base, afterKill);
    expect(afterKill.output()).not.toMatch(/imported the demo world/);
    expect(await providersOf(base, 'bob')).toHaveLength(10);
    process.kill(-afterKill.child.pid!, 'SIGTERM');
    await expect(afterKill.exited).resolves.toBe(0);
  }, 240_000);
});
