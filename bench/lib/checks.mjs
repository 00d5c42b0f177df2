import { readableInWorld } from './reference.mjs';
import { postProviders } from './servers.mjs';
import { providerKey } from './world.mjs';

/**
 * The body the rule says `user` must get: the reference model's providers, mapped to their
 * database ids by natural key, in id order, serialized as the endpoint does.
 */
export function expectedBody(world, user, idsByKey) {
  const rows = readableInWorld(world, user).map((p) => {
    const id = idsByKey.get(providerKey(p.owner.username, p.owner.accountNumber, p.name));
    if (id === undefined)
      throw new Error(`provider ${p.owner.username}/${p.owner.accountNumber}/${p.name} is not in the database`);
    return { id, name: p.name, base_url: p.baseUrl ?? null };
  });
  rows.sort((a, b) => a.id - b.id);
  return JSON.stringify({ providers: rows });
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
      const answer = await postProviders(server.url, tokens.get(user.username));
      if (answer.status !== 200) {
        problems.push(
          `${server.name}, ${user.username}: status ${answer.status}: ${answer.body.toString().slice(0, 200)}`,
        );
      } else if (!/^application\/json/.test(answer.contentType ?? '')) {
        problems.push(`${server.name}, ${user.username}: content-type ${answer.contentType}`);
      } else if (server.format === 'smarter') {
        const got = smarterAsMini(answer.body.toString('utf8'));
        if (got !== expected) problems.push(`${server.name}, ${user.username}: ${describeDifference(got, expected)}`);
      } else if (answer.body.toString('utf8') !== expected) {
        problems.push(
          `${server.name}, ${user.username}: ${describeDifference(answer.body.toString('utf8'), expected)}`,
        );
      }
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
