import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { freePort } from './service-process.js';

const run = promisify(execFile);
const POSTGRES_ROOT = '/usr/lib/postgresql';

/** The newest installed PostgreSQL's bin folder (Debian's layout), or null when there is none. */
function postgresBin(): string | null {
  if (!existsSync(POSTGRES_ROOT)) return null;
  const versions = readdirSync(POSTGRES_ROOT)
    .filter((v) => existsSync(join(POSTGRES_ROOT, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(POSTGRES_ROOT, versions[0], 'bin') : null;
}

export interface ThrowawayPostgres {
  port: number;
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url(database?: string): string;
  /** Stops the server (`pg_ctl stop -m fast`: connections are terminated, as in a restart). */
  stop(): Promise<void>;
  /** Starts it again on the same port; resolves once pg_ctl has seen it start. */
  start(): Promise<void>;
  /**
   * Freezes every process of the server (SIGSTOP): connections stay open and nothing answers,
   * as with a database host that hangs or a network that drops packets. `thaw` undoes it.
   */
  freeze(): void;
  thaw(): void;
  /** The server's log (one line per connection end, with the application's name). */
  log(): string;
  /** Stops the server if it runs and deletes its folder. */
  destroy(): Promise<void>;
}

/**
 * A PostgreSQL cluster of its own (initdb in a temporary folder, a free loopback port), so that
 * a test can stop and start it without touching the machine's shared server. PostgreSQL refuses
 * to run as root, so as root its commands run as the `postgres` OS user, which owns the folder.
 */
export async function startThrowawayPostgres(): Promise<ThrowawayPostgres> {
  const bin = postgresBin();
  if (!bin) throw new Error(`No PostgreSQL under ${POSTGRES_ROOT}/<version>/bin: install the postgresql package`);
  const dir = mkdtempSync(join(tmpdir(), 'providers-pg-'));
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(dir, uid, gid);
  }
  const pgCommand = (name: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', join(bin, name), ...args]) : run(join(bin, name), args);

  const data = join(dir, 'data');
  const logFile = join(dir, 'server.log');
  const port = await freePort();
  await pgCommand('initdb', [
    '-D',
    data,
    '-U',
    'postgres',
    '-A',
    'trust',
    '--no-sync',
    '-E',
    'UTF8',
    '--locale=C.UTF-8',
  ]);
  const settings = [
    `-p ${port}`,
    `-k ${dir}`,
    '-c listen_addresses=127.0.0.1',
    // A throwaway cluster: durability is not what is being tested.
    '-c fsync=off',
    '-c full_page_writes=off',
    '-c log_disconnections=on',
    "-c log_line_prefix='%m [%p] app=%a '",
  ].join(' ');
  const start = () =>
    pgCommand('pg_ctl', ['-D', data, '-o', settings, '-l', logFile, '-w', '-t', '30', 'start']).then(() => {});
  const stop = () => pgCommand('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '30', 'stop']).then(() => {});
  await start();
  let running = true;
  let frozen: number[] = [];
  const postmasterPid = () => Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
  const childrenOf = (pid: number): number[] => {
    try {
      return execFileSync('pgrep', ['-P', String(pid)])
        .toString()
        .split('\n')
        .filter(Boolean)
        .map(Number);
    } catch {
      return []; // pgrep exits 1 when there are none
    }
  };
  /** Sends a signal to a process that may have exited in the meantime (a backend closing). */
  const signal = (pid: number, sig: NodeJS.Signals): boolean => {
    try {
      process.kill(pid, sig);
      return true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ESRCH') return false;
      throw err;
    }
  };
  const thaw = () => {
    for (const pid of frozen) signal(pid, 'SIGCONT');
    frozen = [];
  };
  return {
    port,
    url: (database = 'postgres') => `postgres://postgres@127.0.0.1:${port}/${database}`,
    async stop() {
      await stop();
      running = false;
    },
    async start() {
      await start();
      running = true;
    },
    freeze() {
      // The postmaster first, so that no backend is forked after the children are listed.
      const postmaster = postmasterPid();
      signal(postmaster, 'SIGSTOP');
      frozen = [postmaster, ...childrenOf(postmaster).filter((pid) => signal(pid, 'SIGSTOP'))];
    },
    thaw,
    log: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async destroy() {
      thaw();
      if (running) await stop().catch(() => {});
      running = false;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates a database on the cluster and returns its URL. */
export async function createDatabase(cluster: ThrowawayPostgres, name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: cluster.url() });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return cluster.url(name);
}
