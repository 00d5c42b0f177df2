import { cachedProviders } from './support/cached-providers.js';
import { jest } from '@jest/globals';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { DataChangesService } from '../src/database/data-changes.service.js';
import { readScope, type ReadSubject } from '../src/permissions/access-scopes.js';
import { serializeProvidersList } from '../src/providers/dto/provider-mini.serializer.js';
import { ProvidersCache } from '../src/providers/providers-cache.js';
import { ProvidersRepository } from '../src/providers/providers.repository.js';
import { ProvidersService } from '../src/providers/providers.service.js';
import { Factories } from './support/factories.js';
import { migratedDataSource, type MigratedDataSource, type TestDatabase } from './support/test-database.js';
import { sleep, waitFor } from './support/wait.js';

const ids = (body: Buffer): number[] => JSON.parse(body.toString()).providers.map((p: { id: number }) => p.id);
/** How soon a change made elsewhere must show, polled every 10 ms. */
const WITHIN_1S = { timeoutMs: 1000, intervalMs: 10 };

describe('per-user providers cache, invalidated by PostgreSQL notifications', () => {
  let database: MigratedDataSource;
  let db: TestDatabase;
  let ds: DataSource;
  let other: pg.Client; // "a psql session": changes made behind the service's back
  let changes: DataChangesService;
  let cache: ProvidersCache;
  let service: ProvidersService;
  let f: Factories;
  let alice: ReadSubject;
  let root: ReadSubject;
  let acme: number;
  let platform: number;
  let aliceProfile: number;

  /** The body as the endpoint sends it, whether built in one piece or streamed (superusers). */
  const read = async (user: ReadSubject): Promise<Buffer> => {
    const body = await service.listReadable(user);
    return Buffer.isBuffer(body) ? body : Buffer.concat(await body.toArray());
  };

  /** What the database says now, serialized as the endpoint does, bypassing the cache. */
  const fresh = async (user: ReadSubject) =>
    serializeProvidersList(await new ProvidersRepository(ds).findMini(readScope(user)));

  const start = async (env: Record<string, string> = {}) => {
    ({ changes, cache, service } = await cachedProviders(ds, { DATABASE_URL: db.url, ...env }));
  };

  beforeAll(async () => {
    database = await migratedDataSource({ poolSize: 4, statementTimeoutMs: 10_000 });
    ({ db, ds } = database);
    if (db.embedded) throw new Error('the cache needs a PostgreSQL server (LISTEN/NOTIFY on a second connection)');
    other = new pg.Client({ connectionString: db.url });
    await other.connect();
    f = new Factories(ds);
    platform = await f.account({ isPlatform: true });
    acme = await f.account();
    const rootId = await f.user({ username: 'root', isSuperuser: true });
    const aliceId = await f.user({ username: 'alice' });
    const rootProfile = await f.profile(rootId, platform);
    aliceProfile = await f.profile(aliceId, acme);
    await f.provider(rootProfile, { name: 'openai' });
    await f.provider(aliceProfile, { name: 'acme-gw' });
    const globex = await f.account();
    await f.provider(await f.profile(await f.user({ username: 'gina' }), globex), { name: 'globex-only' });
    alice = { id: aliceId, isSuperuser: false, isActive: true };
    root = { id: rootId, isSuperuser: true, isActive: true };
    await start();
  });
  afterAll(async () => {
    await changes?.onApplicationShutdown();
    await other?.end();
    await database?.close();
  });

  it('serves the second read from the cache', async () => {
    const first = await read(alice);
    expect(cache.stats().entries).toBeGreaterThanOrEqual(1);
    const second = await read(alice);
    expect(second).toBe(first); // the very same buffer: no query ran
  });

  it("never serves a list computed with other flags than the request's user has", async () => {
    const asOrdinary = await read(alice);
    // No notification involved: the request's user simply says "superuser" now.
    const asSuperuser = await read({ ...alice, isSuperuser: true });
    expect(asSuperuser.toString()).toBe(await fresh({ ...alice, isSuperuser: true }));
    expect(asSuperuser.toString()).not.toBe(asOrdinary.toString());
  });

  it('a provider created by plain SQL elsewhere is visible within 1 s', async () => {
    const before = ids(await read(alice));
    const [{ id }] = (
      await other.query(`INSERT INTO providers (owner_profile_id, name) VALUES ($1, 'new') RETURNING id`, [
        aliceProfile,
      ])
    ).rows;
    const { ms: delay } = await waitFor(
      () => read(alice),
      (b) => ids(b).includes(id),
      { ...WITHIN_1S, what: 'the new provider listed' },
    );
    expect(ids(await read(alice))).toEqual([...before, id]);
    console.log(`change visible after ${delay.toFixed(0)} ms`);
  });

  it.each([
    [
      'a provider is renamed',
      `UPDATE providers SET name = name || '-renamed' WHERE name = 'acme-gw'`,
      (b: Buffer) => b.includes('acme-gw-renamed'),
    ],
    // Acme and Globex become platform accounts: Globex's provider is now alice's to read.
    [
      "an account's platform flag flips",
      `UPDATE accounts SET is_platform = true WHERE account_number LIKE '9000%' AND NOT is_platform`,
      (b: Buffer) => b.includes('globex-only'),
    ],
  ])('drops entries when %s', async (what, sql, check) => {
    await read(root);
    expect(check(await read(alice))).toBe(false);
    await other.query(sql);
    await waitFor(() => read(alice), check, { ...WITHIN_1S, what: `alice's list after ${what}` });
    // And whatever is served equals what the database says now.
    const now = await fresh(alice);
    await waitFor(
      () => read(alice),
      (b) => b.toString() === now,
      { ...WITHIN_1S, what: "alice's list as the database says" },
    );
    const freshRoot = await fresh(root);
    await waitFor(
      () => read(root),
      (b) => b.toString() === freshRoot,
      { ...WITHIN_1S, what: "root's list as the database says" },
    );
  });

  it("a profile removed and a user's superuser flag changed drop that user's entry", async () => {
    const bobId = await f.user({ username: 'bob' });
    const bobProfile = await f.profile(bobId, acme);
    const bob = { id: bobId, isSuperuser: false, isActive: true };
    expect(ids(await read(bob)).length).toBeGreaterThan(0);
    await other.query('DELETE FROM user_profiles WHERE id = $1', [bobProfile]);
    await waitFor(
      () => read(bob),
      (b) => ids(b).length === 0,
      { ...WITHIN_1S, what: "bob's list emptied" },
    );

    // The flags come from the signed-in user; the cached list must not outlive a change to them.
    const cached = await read(bob);
    await other.query('UPDATE users SET is_superuser = true WHERE id = $1', [bobId]);
    const promoted = { ...bob, isSuperuser: true };
    const all = await fresh(promoted);
    await waitFor(
      () => read(promoted),
      (b) => b.toString() === all,
      { ...WITHIN_1S, what: "bob's list as a superuser's" },
    );
    expect(all).not.toBe(cached.toString());
  });

  it('a profile moved to another account drops the lists of both accounts’ members', async () => {
    // Two ordinary accounts of their own (earlier tests made the first ones platform accounts).
    const [from, to] = [await f.account(), await f.account()];
    const member = (username: string) =>
      f.user({ username }).then((id) => ({ id, isSuperuser: false, isActive: true }));
    const [stayer, newcomer] = [await member('sam'), await member('gus')];
    await f.profile(stayer.id, from);
    await f.profile(newcomer.id, to);
    const mover = await f.profile(await f.user({ username: 'moe' }), from);
    const [{ id }] = (
      await other.query(`INSERT INTO providers (owner_profile_id, name) VALUES ($1, 'moving') RETURNING id`, [mover])
    ).rows;
    await waitFor(
      () => read(stayer),
      (b) => ids(b).includes(id),
      { ...WITHIN_1S, what: "the new provider in the stayer's list" },
    );
    expect(ids(await read(newcomer))).not.toContain(id);
    await other.query('UPDATE user_profiles SET account_id = $1 WHERE id = $2', [to, mover]);
    await waitFor(
      () => read(stayer),
      (b) => !ids(b).includes(id),
      { ...WITHIN_1S, what: "the moved provider gone from the stayer's list" },
    );
    await waitFor(
      () => read(newcomer),
      (b) => ids(b).includes(id),
      { ...WITHIN_1S, what: "the moved provider in the newcomer's list" },
    );
  });

  it('after the LISTEN connection is killed, nothing stale is ever served, and caching resumes', async () => {
    await read(alice);
    const pid = await changes.listenerPid();
    expect(pid).not.toBeNull();
    const generation = changes.generation;
    await other.query('SELECT pg_terminate_backend($1)', [pid]);
    // pg_terminate_backend only sends the signal: wait until the service has seen the loss (until
    // then no system can know its cache is stale). The "reset" it publishes moves the generation.
    await waitFor(
      () => changes.generation,
      (g) => g !== generation,
      { timeoutMs: 5000, intervalMs: 10, what: 'the listener loss seen' },
    );
    // While the listener is away, a change is made: the notification for it is lost.
    const [{ id }] = (
      await other.query(`INSERT INTO providers (owner_profile_id, name) VALUES ($1, 'while-away') RETURNING id`, [
        aliceProfile,
      ])
    ).rows;
    // Every answer from now on includes it: served from the database while the listener is down,
    // and the cache was dropped when it came back.
    const deadline = Date.now() + 3000;
    while (Date.now() < deadline) {
      expect(ids(await read(alice))).toContain(id);
      await sleep(20);
    }
    expect(changes.isLive).toBe(true);
    expect(await changes.listenerPid()).not.toBe(pid);
    const again = await read(alice);
    expect(await read(alice)).toBe(again);
  });

  it('gives up a LISTEN connection that stops answering (frozen backend) and serves nothing stale meanwhile', async () => {
    await read(alice);
    const pid = (await changes.listenerPid())!;
    process.kill(pid, 'SIGSTOP'); // the connection stays open; it just never answers again
    try {
      const [{ id }] = (
        await other.query(`INSERT INTO providers (owner_profile_id, name) VALUES ($1, 'while-frozen') RETURNING id`, [
          aliceProfile,
        ])
      ).rows;
      // The heartbeat notices within its interval plus its timeout; from then on the
      // database answers, not the cache.
      await waitFor(
        () => read(alice),
        (b) => ids(b).includes(id),
        { timeoutMs: 9000, intervalMs: 10, what: 'the new provider listed' },
      );
      expect(changes.isLive === false || (await changes.listenerPid()) !== pid).toBe(true);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await waitFor(
      () => changes.isLive,
      (live) => live,
      { timeoutMs: 9000, intervalMs: 10, what: 'the listener live again' },
    );
  }, 30_000);

  it('streams a superuser an answer larger than the bound without collecting it for the cache', async () => {
    await changes.onApplicationShutdown();
    await start({ PROVIDERS_CACHE_MAX_BYTES: '4000' });
    for (let i = 0; i < 60; i++)
      await f.provider(aliceProfile, { name: `a-long-provider-name-${i}-${'x'.repeat(40)}` });
    await sleep(200); // let the notifications for these inserts arrive first
    const kept = jest.spyOn(cache, 'setWhole');
    const body = await read(root);
    expect(body.length).toBeGreaterThan(4000);
    expect(body.equals(Buffer.from(await fresh(root)))).toBe(true);
    expect(kept).not.toHaveBeenCalled();
    expect(cache.stats().bytes).toBeLessThanOrEqual(4000);
    // With room for it, the same answer is kept, once, for every superuser.
    await changes.onApplicationShutdown();
    await start();
    const keptNow = jest.spyOn(cache, 'setWhole');
    expect((await read(root)).equals(body)).toBe(true);
    expect(keptNow).toHaveBeenCalledTimes(1);
    expect(cache.whole()?.equals(body)).toBe(true);
  });

  it('holds its memory bound', async () => {
    await changes.onApplicationShutdown();
    await start({ PROVIDERS_CACHE_MAX_BYTES: '2000' });
    // 20 users each reading ~ the same list: far more bytes than the bound.
    const users: number[] = [];
    for (let i = 0; i < 20; i++) {
      users.push(await f.user());
      await f.profile(users[i], acme);
    }
    await sleep(200); // let the notifications for these inserts arrive first
    for (const u of users) {
      await read({ id: u, isSuperuser: false, isActive: true });
      expect(cache.stats().bytes).toBeLessThanOrEqual(2000);
    }
    expect(cache.stats().entries).toBeGreaterThan(0);
    expect(cache.stats().entries).toBeLessThan(20);
  });
});
