import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { withClient } from './database.mjs';

/** The seed of every benchmark world: the same worlds, run after run. */
export const SEED = 42;

/**
 * The project's own CLIs from the built copy: the same code `npm run world:generate` and
 * `npm run world:import` run, without their rebuild (see build.mjs). The 1M-provider world
 * is a ~250 MB file, parsed whole, hence the larger heap.
 */
function runCli(dist, script, args, env, log) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--max-old-space-size=8192', join(dist, 'src', 'world', script), ...args], {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      for (const line of String(chunk).split('\n').filter(Boolean)) log(`  ${script}: ${line}`);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 ? resolve(output) : reject(new Error(`${script} exited with ${code}:\n${output}`)),
    );
  });
}

export async function generateWorld(dist, counts, file, log) {
  await runCli(
    dist,
    'generate.cli.js',
    [
      '--seed',
      String(SEED),
      '--accounts',
      String(counts.accounts),
      '--users',
      String(counts.users),
      '--providers',
      String(counts.providers),
      '--out',
      file,
    ],
    {},
    log,
  );
  return JSON.parse(readFileSync(file, 'utf8'));
}

export async function importWorld(dist, databaseUrl, file, log) {
  const started = Date.now();
  await runCli(dist, 'import.cli.js', [file], { DATABASE_URL: databaseUrl }, log);
  return (Date.now() - started) / 1000;
}

/**
 * The benchmark's users: `count` active non-superusers spread evenly over the file's order
 * (which mixes staff, customers with one or several profiles and users with none).
 */
export function chooseUsers(world, count) {
  const eligible = world.users.filter((u) => u.isActive !== false && !u.isSuperuser);
  if (eligible.length < count)
    throw new Error(`the world has only ${eligible.length} active non-superusers, ${count} wanted`);
  return Array.from({ length: count }, (_, i) => eligible[Math.floor((i * eligible.length) / count)]);
}

/** A provider's natural key in the world file and in the database alike. */
export const providerKey = (username, accountNumber, name) => `${username}\u0000${accountNumber}\u0000${name}`;

/** Database id of every provider, by natural key: one query, independent of the read rule. */
export async function providerIdsByKey(databaseUrl) {
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query(`
      SELECT p.id, u.username, a.account_number, p.name
        FROM providers p
        JOIN user_profiles up ON up.id = p.owner_profile_id
        JOIN users u ON u.id = up.user_id
        JOIN accounts a ON a.id = up.account_id`);
    return new Map(rows.map((r) => [providerKey(r.username, r.account_number, r.name), r.id]));
  });
}
