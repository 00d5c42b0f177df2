import pg from 'pg';
import { DataSource } from 'typeorm';
import { DataChangesService } from '../src/database/data-changes.service.js';
import { UsersService } from '../src/users/users.service.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { sleep, waitFor } from './support/wait.js';

describe('the per-request user check, cached (PROVIDERS_CACHE=on)', () => {
  let t: TestApp;
  let users: UsersService;
  let other: pg.Client;
  let id: number;

  beforeAll(async () => {
    t = await startTestApp({ PROVIDERS_CACHE: 'on' });
    users = t.app.get(UsersService);
    other = new pg.Client({ connectionString: t.db.url });
    await other.connect();
    id = await new Factories(t.app.get(DataSource)).user({ username: 'zoe' });
    await sleep(100);
  });
  afterAll(async () => {
    await other?.end();
    await t?.close();
  });

  /** A second at most, polled every 10 ms; waitFor fails the test when the time runs out. */
  const WITHIN_1S = { timeoutMs: 1000, intervalMs: 10 };
  const zoe = () => users.findAuthUser(id);

  it('answers repeated checks from memory', async () => {
    const first = await users.findAuthUser(id);
    expect(await users.findAuthUser(id)).toBe(first);
  });

  it('a deactivation by plain SQL elsewhere is seen within a second', async () => {
    expect((await users.findAuthUser(id))?.isActive).toBe(true);
    await other.query('UPDATE users SET is_active = false WHERE id = $1', [id]);
    await waitFor(zoe, (user) => user?.isActive === false, { ...WITHIN_1S, what: 'the deactivation seen' });
  });

  it('is not used while the change listener is down', async () => {
    await other.query('UPDATE users SET is_active = true WHERE id = $1', [id]);
    await waitFor(zoe, (user) => user?.isActive === true, { ...WITHIN_1S, what: 'the reactivation seen' });
    const changes = t.app.get(DataChangesService);
    await other.query('SELECT pg_terminate_backend($1)', [await changes.listenerPid()]);
    await other.query('UPDATE users SET is_active = false WHERE id = $1', [id]);
    // The notification is lost, yet the very next checks see the database, not the old entry.
    await waitFor(
      () => changes.isLive,
      (live) => !live,
      { ...WITHIN_1S, what: 'the listener loss seen' },
    );
    expect((await users.findAuthUser(id))?.isActive).toBe(false);
    await waitFor(
      () => changes.isLive,
      (live) => live,
      { ...WITHIN_1S, what: 'the listener live again' },
    );
    expect((await users.findAuthUser(id))?.isActive).toBe(false);
  });
});
