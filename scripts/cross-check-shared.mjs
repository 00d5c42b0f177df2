#!/usr/bin/env node
// Cross-checks the service against the reference model handed to the project (CI only: a
// user's clone has no ../shared/). Generates a world with the shared generator, imports it
// with `npm run world:import`, starts the built service (cache off, then on), signs in as
// every user and compares each answer with expected-read.mjs. Exits 1 on any difference.
//   node scripts/cross-check-shared.mjs ../shared/fixtures
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';
import { ADMIN_URL, databaseUrl } from '../bench/lib/database.mjs';
import { freePort, untilReady } from '../bench/lib/processes.mjs';
import { providerIdsByKey, providerKey } from '../bench/lib/world.mjs';

const fixtures = resolve(process.argv[2] ?? '../shared/fixtures');
const dbName = `providers_crosscheck_test_${process.pid}`;
const dbUrl = databaseUrl(dbName);
const work = mkdtempSync(join(tmpdir(), 'cross-check-'));
const worldFile = join(work, 'world.json');

const admin = new pg.Client({ connectionString: ADMIN_URL });
await admin.connect();
await admin.query(`CREATE DATABASE ${dbName}`);
let failed = false;
try {
  const world = execFileSync(
    'node',
    [join(fixtures, 'make-world.mjs'), '--seed', '11', '--accounts', '30', '--users', '150', '--providers', '3000'],
    { maxBuffer: 1 << 28 },
  );
  writeFileSync(worldFile, world);
  execFileSync('npm', ['run', '--silent', 'world:import', '--', worldFile], {
    env: { ...process.env, DATABASE_URL: dbUrl },
    stdio: 'inherit',
  });
  const expected = JSON.parse(
    execFileSync('node', [join(fixtures, 'expected-read.mjs'), worldFile], { maxBuffer: 1 << 28 }),
  );
  const { users, providers } = JSON.parse(world);

  // World index -> database id, by the natural key (owner username, owner account, name).
  const idByKey = await providerIdsByKey(dbUrl);
  const idOf = (i) =>
    idByKey.get(providerKey(providers[i].owner.username, providers[i].owner.accountNumber, providers[i].name));

  for (const cache of ['off', 'on']) {
    const differences = await checkService(cache, users, (u) => expected[u.username].map(idOf).sort((a, b) => a - b));
    console.log(`cross-check (cache ${cache}): ${users.length} users, ${differences} differences`);
    if (differences) failed = true;
  }
} finally {
  await admin.query(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
  await admin.end();
  rmSync(work, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);

async function checkService(cache, users, expectedIds) {
  const port = await freePort();
  const service = spawn('node', ['dist/src/main.js'], {
    env: {
      ...process.env,
      NODE_ENV: 'test',
      PORT: String(port),
      DATABASE_URL: dbUrl,
      JWT_SECRET: 'cross-check-secret-0123456789abcdef0123456789',
      DEMO_DATA: 'false',
      PROVIDERS_CACHE: cache,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  let exited = null;
  const exit = new Promise((r) => service.once('exit', (code, signal) => r((exited = { code, signal }))));
  const base = `http://127.0.0.1:${port}`;
  try {
    const ready = await untilReady(`${base}/readyz`, {
      timeoutMs: 30_000,
      check() {
        if (exited) throw new Error(`the service (cache ${cache}) exited during start-up (${JSON.stringify(exited)})`);
      },
    });
    if (!ready) throw new Error(`${base}/readyz did not become ready`);
    let differences = 0;
    for (const user of users) {
      const want = expectedIds(user);
      const login = await fetch(`${base}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: user.username, password: user.password }),
      });
      if (login.status !== 200) {
        // Only inactive users cannot sign in, and they read nothing.
        if (user.isActive !== false || want.length) {
          differences++;
          console.error(`${user.username}: login answered ${login.status}`);
        }
        continue;
      }
      const { access_token } = await login.json();
      for (let round = 0; round < (cache === 'on' ? 2 : 1); round++) {
        const res = await fetch(`${base}/dashboard/passthrough/api/providers/`, {
          method: 'POST',
          headers: { authorization: `Bearer ${access_token}`, 'content-type': 'application/json' },
        });
        const got = (await res.json()).providers?.map((p) => p.id) ?? [];
        if (res.status !== 200 || JSON.stringify(got) !== JSON.stringify(want)) {
          differences++;
          console.error(`${user.username}: status ${res.status}, ${got.length} providers, expected ${want.length}`);
        }
      }
    }
    return differences;
  } finally {
    if (!exited) service.kill('SIGTERM');
    await exit;
  }
}
