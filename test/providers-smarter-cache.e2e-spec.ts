import { cachedProviders } from './support/cached-providers.js';
import pg from 'pg';
import type { DataSource } from 'typeorm';
import { DataChangesService } from '../src/database/data-changes.service.js';
import { readScope, type ReadSubject } from '../src/permissions/access-scopes.js';
import { serializeSmarterList } from '../src/providers/dto/provider-smarter.serializer.js';
import { ProvidersRepository, smarterListQuery } from '../src/providers/providers.repository.js';
import { ProvidersService } from '../src/providers/providers.service.js';
import { Factories } from './support/factories.js';
import { migratedDataSource, type MigratedDataSource } from './support/test-database.js';
import { waitFor } from './support/wait.js';

const WITHIN_1S = { timeoutMs: 1000, intervalMs: 10 };

/**
 * The Smarter format shows far more than the mini list (every column of the record, the owner's
 * and the terms acceptor's names and emails), and is cached the same way: each of those must
 * drop the cached lists that show it, whoever changes it (here a "psql session").
 */
describe('PROVIDERS_LIST_FORMAT=smarter, cached: never stale', () => {
  let database: MigratedDataSource;
  let ds: DataSource;
  let other: pg.Client;
  let changes: DataChangesService;
  let service: ProvidersService;
  let alice: ReadSubject;
  let carol: ReadSubject;
  let providerId: number;
  let aliceId: number;
  let sidId: number;
  let noraId: number;
  let acme: number;

  const read = async (user: ReadSubject): Promise<string> => {
    const body = await service.listReadable(user);
    return (Buffer.isBuffer(body) ? body : Buffer.concat(await body.toArray())).toString();
  };
  const fresh = async (user: ReadSubject) =>
    serializeSmarterList(await new ProvidersRepository(ds).findSmarter(readScope(user)));
  /** The change is made elsewhere; within 1 s both users' lists are what the database says. */
  const expectFollowed = async (what: string, sql: string, params: unknown[] = []) => {
    const before = await read(carol);
    await read(alice);
    expect(await read(carol)).toBe(before); // cached
    await other.query(sql, params);
    for (const user of [carol, alice]) {
      const now = await fresh(user);
      await waitFor(
        () => read(user),
        (body) => body === now,
        {
          ...WITHIN_1S,
          what: `the list after ${what}`,
        },
      );
    }
    expect(await fresh(carol)).not.toBe(before); // the change did show in the format
  };

  beforeAll(async () => {
    database = await migratedDataSource({ poolSize: 4, statementTimeoutMs: 10_000 });
    ds = database.ds;
    if (database.db.embedded) throw new Error('the cache needs a PostgreSQL server (LISTEN/NOTIFY)');
    other = new pg.Client({ connectionString: database.db.url });
    await other.connect();
    const f = new Factories(ds);
    acme = await f.account();
    aliceId = await f.user({ username: 'alice' });
    sidId = await f.user({ username: 'sid', isStaff: true });
    const carolId = await f.user({ username: 'carol' });
    noraId = await f.user({ username: 'nora' });
    const aliceProfile = await f.profile(aliceId, acme);
    await f.profile(sidId, acme);
    await f.profile(carolId, acme);
    providerId = await f.provider(aliceProfile, { name: 'acme-gw' });
    alice = { id: aliceId, isSuperuser: false, isActive: true };
    carol = { id: carolId, isSuperuser: false, isActive: true };
    ({ changes, service } = await cachedProviders(ds, {
      DATABASE_URL: database.db.url,
      PROVIDERS_LIST_FORMAT: 'smarter',
    }));
  });
  afterAll(async () => {
    await changes?.onApplicationShutdown();
    await other?.end();
    await database?.close();
  });

  it('caches the Smarter body', async () => {
    const first = await read(carol);
    expect(JSON.parse(first).providers[0]).toHaveProperty('rfc1034CompliantName', 'acme-gw');
    expect(first).toBe(await fresh(carol));
  });

  it('every providers column the format reads is one the change trigger watches', async () => {
    const read = new Set(
      [...smarterListQuery({ where: 'TRUE', params: [] }).sql.matchAll(/\bp\.([a-z_0-9]+)/g)].map((m) => m[1]),
    );
    const [{ columns }] = (
      await other.query(
        `SELECT array_agg(a.attname::text) AS columns
           FROM pg_trigger t JOIN pg_attribute a ON a.attrelid = t.tgrelid AND a.attnum = ANY (t.tgattr)
          WHERE t.tgname = 'providers_notify_change'`,
      )
    ).rows;
    read.delete('id'); // an id never changes
    expect([...read].filter((column) => !columns.includes(column))).toEqual([]);
  });

  it.each<[string, string, unknown[]?]>([
    ['a description edited', `UPDATE providers SET description = 'now described'`],
    ['a status change', `UPDATE providers SET status = 'verified', is_verified = true, verified_at = now()`],
    ['a default model set', `UPDATE providers SET default_model = 'gpt-x', row_version = row_version + 1`],
    ['a link set', `UPDATE providers SET docs_url = 'https://docs.acme.test/'`],
    ['a contact set', `UPDATE providers SET contact_email = 'llm@acme.test'`],
    ['the featured and default flags', `UPDATE providers SET is_featured = true, is_default = true`],
    ['a key set', `UPDATE providers SET api_key_ciphertext = 'v1:x', api_key_last4 = 'wxyz'`],
    ['the terms accepted', `UPDATE providers SET tos_accepted_at = now(), tos_accepted_by = $1`, ['sid']],
    ['the owner’s email changed', `UPDATE users SET email = 'alice@new.acme.test' WHERE username = 'alice'`],
    ['the owner’s username changed', `UPDATE users SET username = 'alice2' WHERE username = 'alice'`],
    ['the acceptor’s email changed', `UPDATE users SET email = 'sid@new.acme.test' WHERE username = 'sid'`],
    ['the account’s number changed', `UPDATE accounts SET account_number = '7777-0000-0001' WHERE id = $1`, ['acme']],
  ])('follows %s', async (what, sql, params = []) => {
    const values = params.map((p) => (p === 'sid' ? sidId : p === 'acme' ? acme : p));
    await expectFollowed(what, sql, values);
  });

  it('follows the owning profile given to another user', async () => {
    await expectFollowed(
      'the owner changed',
      `UPDATE user_profiles SET user_id = $1 WHERE id = (SELECT owner_profile_id FROM providers WHERE id = $2)`,
      [noraId, providerId],
    );
    expect(JSON.parse(await read(carol)).providers[0].userProfile.user.username).toBe('nora');
  });
});
