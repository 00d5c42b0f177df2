import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { checkAnswers } from './checks.mjs';
import { withClient } from './database.mjs';
import { measure } from './load.mjs';
import { readableInWorld } from './reference.mjs';
import { startService } from './servers.mjs';
import { WrongAnswersError } from './size-run.mjs';

/**
 * Who is measured at both sizes. The customer is the "ordinary user" of the target: one
 * profile in a customer account, so the answer grows with the providers of that account.
 * The staff member reads the platform's providers only: an answer of the same size in both
 * worlds, which isolates what the size of the table alone costs.
 */
export function scaleSubjects(prepared) {
  const { world, users } = prepared;
  const platform = world.accounts.find((a) => a.isPlatform).accountNumber;
  const customer = users.find((u) => u.accounts?.length === 1 && u.accounts[0] !== platform);
  const staff = users.find((u) => u.accounts?.length === 1 && u.accounts[0] === platform);
  return [
    { key: 'customer', title: `ordinary user ${customer.username} (one customer account)`, user: customer },
    { key: 'staff', title: `staff ${staff.username} (platform account only)`, user: staff },
    { key: 'mix', title: `all ${users.length} sampled users in turn`, user: null },
  ];
}

/** p50 and friends for each subject on one world, service with cache off; and the customer's plan. */
export async function measureScalePoint(prepared, subjects, ctx) {
  const { dist, workDir, log, options } = ctx;
  const { db, world, users, tokens, idsByKey, tokensFile, label } = prepared;
  const service = await startService({ dist, databaseUrl: db.url, cache: 'off', workDir, label: `${label}-scale` });
  const results = {};
  const answers = {};
  try {
    const { problems } = await checkAnswers({ world, users, tokens, idsByKey, servers: [service] });
    if (problems.length)
      throw new WrongAnswersError(`${label}: wrong answers:\n  ${problems.slice(0, 20).join('\n  ')}`);
    for (const subject of subjects) {
      let file = tokensFile;
      if (subject.user) {
        file = join(workDir, `${label}-token-${subject.key}.txt`);
        writeFileSync(file, `${tokens.get(subject.user.username)}\n`);
        answers[subject.key] = readableInWorld(world, subject.user).length;
      }
      log(`${label}: scale point, ${subject.title}`);
      results[subject.key] = await measure(service, {
        tokensFile: file,
        connections: options.connections,
        warmup: options.warmup,
        duration: options.duration,
      });
      log(`${label}:   p50 ${results[subject.key].p50Ms.toFixed(2)} ms, ${results[subject.key].rps.toFixed(0)} req/s`);
    }
  } finally {
    await service.stop();
  }
  const plan = await explainFor(dist, db.url, subjects.find((s) => s.key === 'customer').user.username);
  return { results, answers, plan };
}

/** EXPLAIN (ANALYZE, BUFFERS) of the service's own read query (from the build) for one user, warm. */
async function explainFor(dist, url, username) {
  const fromDist = (path) => import(pathToFileURL(join(dist, 'src', path)).href);
  const { readScope } = await fromDist('permissions/access-scopes.js');
  const { miniListQuery } = await fromDist('providers/providers.repository.js');
  return withClient(url, async (client) => {
    const { rows } = await client.query('SELECT id, is_superuser, is_active FROM users WHERE username = $1', [
      username,
    ]);
    const user = { id: rows[0].id, isSuperuser: rows[0].is_superuser, isActive: rows[0].is_active };
    const { sql, params } = miniListQuery(readScope(user));
    // The first run reads the pages into shared buffers; the second is the steady state the load sees.
    await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    const plan = await client.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
    return plan.rows.map((r) => r['QUERY PLAN']).join('\n');
  });
}
