import pg from 'pg';
import { DataSource } from 'typeorm';
import { loadConfig } from '../src/config/app-config.js';
import { DataChangesService } from '../src/database/data-changes.service.js';
import { dataSourceOptions } from '../src/database/data-source-options.js';
import { PermissionsService, type ReadSubject } from '../src/permissions/permissions.service.js';
import { serializeProvidersList } from '../src/providers/dto/provider-mini.serializer.js';
import { ProvidersCache } from '../src/providers/providers-cache.js';
import { ProvidersService } from '../src/providers/providers.service.js';
import { Factories } from './support/factories.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';

const ids = (body: Buffer): number[] => JSON.parse(body.toString()).providers.map((p: { id: number }) => p.id);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls until `check` passes; returns how long it took. */
async function within<T>(ms: number, read: () => Promise<T>, check: (v: T) => boolean): Promise<number> {
  const start = Date.now();
  for (;;) {
    if (check(await read())) return Date.now() - start;
    if (Date.now() - start > ms) throw new Error(`not within ${ms} ms`);
    await sleep(10);
  }
}

describe('per-user providers cache, invalidated by PostgreSQL notifications', () => {
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
  const fresh = async (user: ReadSubject) => serializeProvidersList(await new PermissionsService(ds).readableProviders(user));

  const start = async (env: Record<string, string> = {}) => {
    const config = loadConfig({ NODE_ENV: 'test', DATABASE_URL: db.url, PROVIDERS_CACHE: 'on', ...env });
    changes = new DataChangesService(ds, config);
    cache = new ProvidersCache(config, changes, ds);
    service = new ProvidersService(new PermissionsService(ds), cache);
    await changes.onApplicationBootstrap();
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    if (db.embedded) throw new Error('the cache needs a PostgreSQL server (LISTEN/NOTIFY on a second connection)');
    ds = new DataSource(dataSourceOptions({ url: db.url, poolSize: 4, statementTimeoutMs: 10_000 }));
    await ds.initialize();
    await ds.runMigrations();
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
    await ds?.destroy();
    await db?.drop();
  });

  it('serves the second read from the cache', async () => {
    const first = await read(alice);
    expect(cache.stats().entries).toBeGreaterThanOrEqual(1);
    const second = await read(alice);
    expect(second).toBe(first); // the very same buffer: no query ran
  });

  it('never serves a list computed with other flags than the request\'s user has', async () => {
    const asOrdinary = await read(alice);
    // No notification involved: the request's user simply says "superuser" now.
    const asSuperuser = await read({ ...alice, isSuperuser: true });
    expect(asSuperuser.toString()).toBe(await fresh({ ...alice, isSuperuser: true }));
    expect(asSuperuser.toString()).not.toBe(asOrdinary.toString());
  });

  it('a provider created by plain SQL elsewhere is visible within 1 s', async () => {
    const before = ids(await read(alice));
    const [{ id }] = (await other.query(`INSERT INTO providers (owner_profile_id, name) VALUES ($1, 'new') RETURNING id`, [aliceProfile])).rows;
    const delay = await within(1000, () => read(alice), (b) => ids(b).includes(id));
    expect(ids(await read(alice))).toEqual([...before, id]);
    console.log(`change visible after ${delay} ms`);
  });

  it.each([
    ['a provider is renamed', `UPDATE providers SET name = name || '-renamed' WHERE name = 'acme-gw'`, (b: Buffer) => b.includes('acme-gw-renamed')],
    ["an account's platform flag flips", `UPDATE accounts SET is_platform = true WHERE account_number LIKE '9000%' AND NOT is_platform`, () => true],
  ])('drops entries when %s', async (_what, sql, check) => {
    await read(root);
    await read(alice);
    await other.query(sql);
    await within(1000, () => read(alice), check);
    // And whatever is served equals what the database says now.
    const now = await fresh(alice);
    await within(1000, () => read(alice), (b) => b.toString() === now);
    const freshRoot = await fresh(root);
    await within(1000, () => read(root), (b) => b.toString() === freshRoot);
  });

  it("a profile removed and a user's superuser flag changed drop that user's entry", async () => {
    const bobId = await f.user({ username: 'bob' });
    const bobProfile = await f.profile(bobId, acme);
    const bob = { id: bobId, isSuperuser: false, isActive: true };
    expect(ids(await read(bob)).length).toBeGreaterThan(0);
    await other.query('DELETE FROM user_profiles WHERE id = $1', [bobProfile]);
    await within(1000, () => read(bob), (b) => ids(b).length === 0);

    // The flags come from the signed-in user; the cached list must not outlive a change to them.
    const cached = await read(bob);
    await other.query('UPDATE users SET is_superuser = true WHERE id = $1', [bobId]);
    const promoted = { ...bob, isSuperuser: true };
    const all = await fresh(promoted);
    await within(1000, () => read(promoted), (b) => b.toString() === all);
    expect(all).not.toBe(cached.toString());
  });

  it('a profile moved to another account drops the lists of both accounts’ members', async () => {
    // Two ordinary accounts of their own (earlier tests made the first ones platform accounts).
    const [from, to] = [await f.account(), await f.account()];
    const member = (username: string) => f.user({ username }).then((id) => ({ id, isSuperuser: false, isActive: true }));
    const [stayer, newcomer] = [await member('sam'), await member('gus')];
    await f.profile(stayer.id, from);
    await f.profile(newcomer.id, to);
    const mover = await f.profile(await f.user({ username: 'moe' }), from);
    const [{ id }] = (await other.query(`INSERT INTO providers (owner_profile_id, name) VALUES ($1, 'moving') RETURNING id`, [mover])).rows;
    await within(1000, () => read(stayer), (b) => ids(b).includes(id));
    expect(ids(await read(newcomer))).not.toContain(id);
    await other.query('UPDATE user_profiles SET account_id = $1 WHERE id = $2', [to, mover]);
    await within(1000, () => read(stayer), (b) => !ids(b).includes(id));
    await within(1000, () => read(newcomer), (b) => ids(b).includes(id));
  });

  it('after the LISTEN connection is killed, nothing stale is ever served, and caching resumes', async () => {
    await read(alice);
    const pid = await changes.listenerPid();
    expect(pid).not.toBeNull();
    const generation = changes.generation;
    await other.query('SELECT pg_terminate_backend($1)', [pid]);
    // pg_terminate_backend only sends the signal: wait until the service has seen the loss (until
    // then no system can know its cache is stale). The "reset" it publishes moves the generation.
    await within(5000, async () => changes.generation, (g) => g !== generation);
    // While the listener is away, a change is made: the notification for it is lost.
    const [{ id }] = (await other.query(`INSERT INTO providers (owner_profile_id, name) VALUES ($1, 'while-away') RETURNING id`, [aliceProfile])).rows;
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
      const [{ id }] = (await other.query(`INSERT INTO providers (owner_profile_id, name) VALUES ($1, 'while-frozen') RETURNING id`, [aliceProfile])).rows;
      // The heartbeat notices within its interval plus its timeout; from then on the
      // database answers, not the cache.
      await within(9000, () => read(alice), (b) => ids(b).includes(id));
      expect(changes.isLive === false || (await changes.listenerPid()) !== pid).toBe(true);
    } finally {
      process.kill(pid, 'SIGCONT');
    }
    await within(9000, async () => changes.isLive, (live) => live);
  }, 30_000);

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
