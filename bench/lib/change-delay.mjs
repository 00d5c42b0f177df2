import { withClient } from './database.mjs';
import { readableInWorld } from './reference.mjs';
import { postProviders } from './servers.mjs';
import { providerKey } from './world.mjs';

const TRIALS_PER_KIND = 3;
const GIVE_UP_MS = 5000;

/**
 * With the cache on: after a committed UPDATE of a provider's name made by plain SQL on
 * another connection, how long until the endpoint shows it. Both notification paths are
 * exercised: a provider of one of the user's own accounts (`account:<id>`) and a platform
 * provider (`platform:<id>`). Names are restored afterwards, so the world stays as imported.
 */
export async function measureChangeDelay(service, prepared) {
  const { world, users, idsByKey, tokens, db } = prepared;
  const platform = new Set(world.accounts.filter((a) => a.isPlatform).map((a) => a.accountNumber));
  const user = users.find((u) => readableInWorld(world, u).some((p) => !platform.has(p.owner.accountNumber)));
  const readable = readableInWorld(world, user);
  const targets = [
    { kind: 'own account', provider: readable.find((p) => !platform.has(p.owner.accountNumber)) },
    { kind: 'platform', provider: readable.find((p) => platform.has(p.owner.accountNumber)) },
  ].filter((t) => t.provider);
  const token = tokens.get(user.username);

  // Warm: the second request of a pair is served from the cache.
  await postProviders(service.url, token);
  const hit = await postProviders(service.url, token);

  const trials = [];
  await withClient(db.url, async (client) => {
    for (const { kind, provider } of targets) {
      const id = idsByKey.get(providerKey(provider.owner.username, provider.owner.accountNumber, provider.name));
      try {
        for (let i = 1; i <= TRIALS_PER_KIND; i++) {
          await postProviders(service.url, token);
          const newName = `${provider.name}-renamed-${process.pid}-${i}`;
          await client.query('UPDATE providers SET name = $2 WHERE id = $1', [id, newName]);
          // The UPDATE has committed when query() resolves: the clock starts there.
          const committed = performance.now();
          const needle = `"name":${JSON.stringify(newName)}`;
          let polls = 0;
          for (;;) {
            polls++;
            const answer = await postProviders(service.url, token);
            if (answer.body.includes(needle)) break;
            if (performance.now() - committed > GIVE_UP_MS)
              throw new Error(`cache on: a renamed provider was still not visible after ${GIVE_UP_MS} ms`);
          }
          trials.push({ kind, ms: performance.now() - committed, polls });
        }
      } finally {
        await client.query('UPDATE providers SET name = $2 WHERE id = $1', [id, provider.name]);
      }
    }
  });
  return { user: user.username, hitMs: hit.ms, trials, kinds: targets.map((t) => t.kind).join(' and ') };
}
