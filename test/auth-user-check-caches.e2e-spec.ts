import pg from 'pg';
import { DataSource } from 'typeorm';
import { TokenRevocations } from '../src/auth/revocation/token-revocations.service.js';
import { DataChangesService, type DataChange } from '../src/database/data-changes.service.js';
import { UsersService } from '../src/users/users.service.js';
import { loginAs, type Session } from './support/auth.js';
import { Factories } from './support/factories.js';
import { recordStatements } from './support/test-database.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** The statements that read a user or their sign-outs (not the accounts that GET /auth/me lists). */
const USER_OR_SIGN_OUTS = /\b(users|revoked_tokens|user_token_cutoffs)\b/;

/**
 * The user check's two caches (UsersService's and TokenRevocations') and the database's change
 * notifications, on PostgreSQL: a platform account's providers changing (announced as
 * `platform:<id>`, migration 1765200000000) says nothing about who a user is or what they
 * signed out, so both keep their entries; a change to the user drops both.
 */
describe('the user check caches and a platform account’s change (PROVIDERS_CACHE=on)', () => {
  let t: TestApp;
  let other: pg.Client; // changes made behind the service's back, as psql would
  let changes: DataChangesService;
  let users: UsersService;
  let revocations: TokenRevocations;
  let statements: string[];
  let platform: number;
  let platformProvider: number;
  let aliceId: number;
  let alice: Session;

  beforeAll(async () => {
    t = await startTestApp({ PROVIDERS_CACHE: 'on' });
    changes = t.app.get(DataChangesService);
    users = t.app.get(UsersService);
    revocations = t.app.get(TokenRevocations);
    const ds = t.app.get(DataSource);
    statements = recordStatements(ds);
    other = new pg.Client({ connectionString: t.db.url });
    await other.connect();

    const f = new Factories(ds);
    platform = await f.account({ isPlatform: true });
    aliceId = await f.user({ username: 'alice' });
    platformProvider = await f.provider(await f.profile(aliceId, platform), { name: 'platform-gw' });
    alice = await loginAs(t, 'alice');
    // Notifications arrive in commit order: once this one is seen, every change made above
    // has reached the caches, and none can drop what the tests put in them. No user has id 0.
    await changeSeen(
      (change) => change.kind === 'user' && change.userId === 0,
      () => other.query(`SELECT pg_notify('providers_changes', 'user:0')`),
    );
  });
  afterAll(async () => {
    await other?.end();
    await t?.close();
  });

  /**
   * Runs `make` and resolves once the change listener has published a change that `matches`;
   * fails, rather than hangs, when none comes.
   */
  async function changeSeen(matches: (change: DataChange) => boolean, make: () => Promise<unknown>): Promise<void> {
    let unsubscribe = () => {};
    let timer: NodeJS.Timeout | undefined;
    // Subscribed after the caches (they subscribe as the application is built): when this
    // hears the change, both caches have already applied it.
    const seen = new Promise<void>((resolve, reject) => {
      unsubscribe = changes.subscribe((change) => {
        if (matches(change)) resolve();
      });
      timer = setTimeout(() => reject(new Error('the change was not announced within 5 s')), 5000);
    });
    try {
      await make();
      await seen;
    } finally {
      clearTimeout(timer);
      unsubscribe();
    }
  }

  /** GET /auth/me as alice: its status, and how many statements it sent about her or her sign-outs. */
  const me = async () => {
    const before = statements.length;
    const res = await t.inject({ method: 'GET', url: '/auth/me', headers: alice.bearer });
    return {
      status: res.statusCode,
      reads: statements.slice(before).filter((sql) => USER_OR_SIGN_OUTS.test(sql)).length,
    };
  };
  /** Each cache's entry for alice, looked at on its own. */
  const entries = () => ({ user: users.cachedAuthUser(aliceId), signOuts: revocations.cached(aliceId) });

  it('keeps both entries, and answers from them, after a provider of a platform account changes', async () => {
    await expect(me()).resolves.toEqual({ status: 200, reads: 1 });
    const before = entries();
    expect(before.user).toBeDefined();
    expect(before.signOuts).toBeDefined();

    await changeSeen(
      (change) => change.kind === 'platform' && change.accountId === platform,
      () => other.query(`UPDATE providers SET name = 'platform-gw-renamed' WHERE id = $1`, [platformProvider]),
    );

    const after = entries();
    expect(after.user).toBe(before.user);
    expect(after.signOuts).toBe(before.signOuts);
    await expect(me()).resolves.toEqual({ status: 200, reads: 0 });
  });

  it('drops both entries on a change to the user (so the test above can see a drop)', async () => {
    await me();
    expect(entries().user).toBeDefined();
    expect(entries().signOuts).toBeDefined();

    await changeSeen(
      (change) => change.kind === 'user' && change.userId === aliceId,
      () => other.query(`UPDATE users SET email = 'alice@elsewhere.test' WHERE id = $1`, [aliceId]),
    );

    expect(entries()).toEqual({ user: undefined, signOuts: undefined });
    await expect(me()).resolves.toEqual({ status: 200, reads: 1 });
    expect(users.cachedAuthUser(aliceId)?.email).toBe('alice@elsewhere.test');
  });
});
