import { DataSource } from 'typeorm';
import { loginAs, type Session } from './support/auth.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait.js';

const WITHIN_1S = { timeoutMs: 1000, intervalMs: 10 };

describe('management writes show in the cached seed list at once (PROVIDERS_CACHE=on)', () => {
  let t: TestApp;
  let staff: Session;
  let member: Session;
  const accountNumber = '4000-0000-0004';

  beforeAll(async () => {
    t = await startTestApp({ PROVIDERS_CACHE: 'on' });
    if (t.db.embedded) throw new Error('the cache needs a PostgreSQL server (LISTEN/NOTIFY)');
    const f = new Factories(t.app.get(DataSource));
    const account = await f.account({ accountNumber });
    await f.profile(await f.user({ username: 'staff', isStaff: true }), account);
    await f.profile(await f.user({ username: 'member' }), account);
    [staff, member] = [await loginAs(t, 'staff'), await loginAs(t, 'member')];
  });
  afterAll(() => t?.close());

  /** The seed endpoint's answer for a session: the names it lists. */
  const seedList = async (who: Session): Promise<string[]> => {
    const res = await t.inject({ method: 'POST', url: '/dashboard/passthrough/api/providers/', headers: who.bearer });
    expect(res.statusCode).toBe(200);
    return res.json().providers.map((p: { name: string }) => p.name);
  };

  it('a create, a rename and a delete each show in the next lists of everyone who reads it', async () => {
    expect(await seedList(member)).toEqual([]);
    expect(await seedList(member)).toEqual([]); // now answered from the cache

    const created = await t.inject({
      method: 'POST',
      url: '/api/v1/providers',
      headers: staff.bearer,
      payload: { account_number: accountNumber, name: 'Fresh' },
    });
    expect(created.statusCode).toBe(201);
    const id = created.json().id;
    await waitFor(
      () => seedList(member),
      (names) => names.join() === 'Fresh',
      { ...WITHIN_1S, what: 'the create' },
    );

    const renamed = await t.inject({
      method: 'PATCH',
      url: `/api/v1/providers/${id}`,
      headers: staff.bearer,
      payload: { name: 'Renamed' },
    });
    expect(renamed.statusCode).toBe(200);
    await waitFor(
      () => seedList(member),
      (names) => names.join() === 'Renamed',
      { ...WITHIN_1S, what: 'the rename' },
    );

    const deleted = await t.inject({ method: 'DELETE', url: `/api/v1/providers/${id}`, headers: staff.bearer });
    expect(deleted.statusCode).toBe(204);
    await waitFor(
      () => seedList(member),
      (names) => names.length === 0,
      { ...WITHIN_1S, what: 'the delete' },
    );
  });
});
