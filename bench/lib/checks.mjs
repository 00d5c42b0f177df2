import { readableAccountsIn, readableInWorld } from './reference.mjs';
import { postProviders } from './servers.mjs';
import { providerKey } from './world.mjs';

/** A world provider as the endpoint lists it, with its database id (by natural key). */
function rowOf(p, idsByKey) {
  const id = idsByKey.get(providerKey(p.owner.username, p.owner.accountNumber, p.name));
  if (id === undefined)
    throw new Error(`provider ${p.owner.username}/${p.owner.accountNumber}/${p.name} is not in the database`);
  return { id, name: p.name, base_url: p.baseUrl ?? null };
}

const byId = (a, b) => a.id - b.id;
const bodyOf = (rows) => JSON.stringify({ providers: rows });

/**
 * The body the rule says `user` must get: the reference model's providers, mapped to their
 * database ids by natural key, in id order, serialized as the endpoint does.
 */
export function expectedBody(world, user, idsByKey) {
  return bodyOf(
    readableInWorld(world, user)
      .map((p) => rowOf(p, idsByKey))
      .sort(byId),
  );
}

/**
 * expectedBody for any number of users of one world, without a pass over every provider for
 * each: the providers are mapped to ids and grouped by owning account once, and a user's
 * answer is the union of their readable accounts' (readableAccountsIn). Returns
 * user -> { body, count (of providers) }.
 */
export function expectedBodies(world, idsByKey) {
  const rowsByAccount = new Map();
  const all = [];
  for (const p of world.providers) {
    const row = rowOf(p, idsByKey);
    all.push(row);
    let rows = rowsByAccount.get(p.owner.accountNumber);
    if (!rows) rowsByAccount.set(p.owner.accountNumber, (rows = []));
    rows.push(row);
  }
  all.sort(byId);
  for (const rows of rowsByAccount.values()) rows.sort(byId);
  const accountsOf = readableAccountsIn(world);
  return (user) => {
    const accounts = accountsOf(user);
    const rows = accounts === 'all' ? all : accounts.flatMap((a) => rowsByAccount.get(a) ?? []).sort(byId);
    return { body: bodyOf(rows), count: rows.length };
  };
}

/**
 * What is wrong with `answer`, one server's answer for `username`, against the expected body;
 * null when nothing is. A Smarter-format server's answer is reduced to the mini fields first.
 */
export function answerProblem(server, username, answer, expected) {
  if (answer.status !== 200)
    return `${server.name}, ${username}: status ${answer.status}: ${answer.body.toString().slice(0, 200)}`;
  if (!/^application\/json/.test(answer.contentType ?? ''))
    return `${server.name}, ${username}: content-type ${answer.contentType}`;
  const got = server.format === 'smarter' ? smarterAsMini(answer.body.toString('utf8')) : answer.body.toString('utf8');
  return got === expected ? null : `${server.name}, ${username}: ${describeDifference(got, expected)}`;
}

/**
 * Asks every server for every user's list and compares the bodies byte for byte with each
 * other and with the reference model. Returns the problems found (none: all agree) and the
 * sizes of the answers, for the report.
 */
export async function checkAnswers({ world, users, tokens, idsByKey, servers }) {
  const problems = [];
  const counts = [];
  for (const user of users) {
    const expected = expectedBody(world, user, idsByKey);
    counts.push(JSON.parse(expected).providers.length);
    for (const server of servers) {
      const problem = answerProblem(
        server,
        user.username,
        await postProviders(server.url, tokens.get(user.username)),
        expected,
      );
      if (problem) problems.push(problem);
    }
  }
  return { problems, counts };
}

/**
 * A Smarter-format answer reduced to the mini list's fields, so that the same reference body
 * checks its rule and order (its `baseUrl` is "" where the mini list has null). No key-like
 * member may be present: the format never carries one.
 */
function smarterAsMini(body) {
  let providers;
  try {
    providers = JSON.parse(body).providers;
  } catch {
    return body;
  }
  if (!Array.isArray(providers)) return body;
  if (
    providers.some(
      (p) => 'api_key' in p || 'apiKeyCiphertext' in p || (p.apiKey && Object.keys(p.apiKey).some((k) => k !== 'name')),
    )
  )
    return 'a provider carries a key field';
  return JSON.stringify({
    providers: providers.map((p) => ({ id: p.id, name: p.name, base_url: p.baseUrl === '' ? null : p.baseUrl })),
  });
}

function describeDifference(actual, expected) {
  let got;
  try {
    got = JSON.parse(actual).providers;
  } catch {
    return `not the expected JSON: ${actual.slice(0, 120)}`;
  }
  const want = JSON.parse(expected).providers;
  const wantIds = new Set(want.map((p) => p.id));
  const gotIds = new Set(got.map((p) => p.id));
  const extra = [...gotIds].filter((id) => !wantIds.has(id)).length;
  const missing = [...wantIds].filter((id) => !gotIds.has(id)).length;
  if (extra || missing)
    return `${got.length} providers, expected ${want.length} (${extra} not readable, ${missing} missing)`;
  return 'same ids, but the bytes differ (order, duplicates, fields or values)';
}

/** Summary of answer sizes: min / median / max number of providers per sampled user. */
export function describeCounts(counts) {
  const sorted = [...counts].sort((a, b) => a - b);
  return `${sorted.length} users, ${sorted[0]}–${sorted[sorted.length - 1]} providers each (median ${sorted[Math.floor(sorted.length / 2)]})`;
}
