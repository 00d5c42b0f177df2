import { Logger } from '@nestjs/common';
import type { AccountsRepository } from '../accounts/accounts.repository.js';
import { loadConfig } from '../config/app-config.js';
import type { DataChange, DataChangesService } from '../database/data-changes.service.js';
import type { UsersRepository } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';
import { AuthUserCheck } from './auth-user-check.service.js';
import type { VerifiedCredential } from './authenticator.js';
import type {
  RevocationRows,
  TokenRevocationsRepository,
  UserWithRevocationsRow,
} from './revocation/token-revocations.repository.js';
import { TokenRevocations } from './revocation/token-revocations.service.js';

/** The caches on: the database URL is never used, the change feed below stands in for LISTEN. */
const config = loadConfig({
  NODE_ENV: 'test',
  JWT_SECRET: 'unit-test-secret-that-is-long-enough-0123456789',
  DATABASE_URL: 'postgres://127.0.0.1:1/unused',
  PROVIDERS_CACHE: 'on',
});

/** The database's change notifications, delivered when the test says so. */
class ChangeFeed {
  isLive = true;
  generation = 0;
  private readonly subscribers = new Set<(change: DataChange) => void>();
  subscribe(fn: (change: DataChange) => void) {
    this.subscribers.add(fn);
    return () => this.subscribers.delete(fn);
  }
  publish(change: DataChange) {
    this.generation++;
    for (const fn of this.subscribers) fn(change);
  }
}

const now = Math.floor(Date.now() / 1000);
const token = (jti = 'j1', issuedAt = now): VerifiedCredential => ({
  source: 'bearer-jwt',
  userId: 7,
  credentialId: jti,
  issuedAt,
  expiresAt: issuedAt + 60,
});
const aliceRow = { id: 7, username: 'alice', email: 'a@x.test', is_superuser: false, is_staff: true, is_active: true };

/**
 * The check over a table of our making (the query runs on PostgreSQL in
 * test/auth-user-check.e2e-spec.ts), counting its reads; `during` runs inside a read, after the
 * row is taken and before it is answered, as a change that arrives while a query is in flight.
 */
function setUp() {
  const feed = new ChangeFeed();
  const changes = feed as unknown as DataChangesService;
  const table = {
    user: { ...aliceRow } as UserWithRevocationsRow['user'] | null,
    revocations: { revokedJtis: [], tokensValidAfter: null } as RevocationRows,
  };
  const reads: number[] = [];
  let during: (() => void) | null = null;
  const repository = {
    async userWithRevocations(id: number): Promise<UserWithRevocationsRow | null> {
      reads.push(id);
      const row = table.user && { user: { ...table.user }, revocations: structuredClone(table.revocations) };
      during?.();
      during = null;
      return row;
    },
  } as unknown as TokenRevocationsRepository;
  const users = new UsersService({} as UsersRepository, {} as AccountsRepository, config, changes);
  const revocations = new TokenRevocations(repository, config, changes);
  const check = new AuthUserCheck(users, revocations, repository);
  /** Each half on its own: either one missing makes the check read both, which would hide it. */
  const cachedHalves = () => [users.cachedAuthUser(7) !== undefined, revocations.cached(7) !== undefined];
  return { feed, table, reads, check, users, cachedHalves, whileReading: (fn: () => void) => (during = fn) };
}

describe('AuthUserCheck, the caches on', () => {
  // Its refusals are logged at debug: not part of the test's output.
  beforeAll(() => Logger.overrideLogger(['error']));
  it('reads the user and their sign-outs in one query on a miss, then answers from memory', async () => {
    const { check, reads } = setUp();
    const first = await check.userFor(token());
    expect(first).toMatchObject({ id: 7, username: 'alice', isStaff: true, isActive: true });
    expect(reads).toEqual([7]);
    await expect(check.userFor(token())).resolves.toBe(first);
    await expect(check.userFor(token('j2'))).resolves.toBe(first);
    expect(reads).toEqual([7]);
  });

  it('refuses an unknown or inactive user, and a token signed out by its jti or the cutoff', async () => {
    const { check, table, feed } = setUp();
    table.user = null;
    await expect(check.userFor(token())).resolves.toBeNull();
    table.user = { ...aliceRow, is_active: false };
    await expect(check.userFor(token())).resolves.toBeNull();
    // From memory too, not only as read.
    await expect(check.userFor(token())).resolves.toBeNull();

    table.user = { ...aliceRow };
    table.revocations = { revokedJtis: ['j1'], tokensValidAfter: new Date((now - 10) * 1000) };
    feed.publish({ kind: 'user', userId: 7 });
    await expect(check.userFor(token('j1'))).resolves.toBeNull();
    await expect(check.userFor(token('j2'))).resolves.not.toBeNull();
    await expect(check.userFor(token('j3', now - 10))).resolves.toBeNull();
  });

  it("a change to the user drops both halves; another user's change, or a platform's, drops neither", async () => {
    const { check, table, reads, feed, cachedHalves } = setUp();
    await check.userFor(token());
    feed.publish({ kind: 'user', userId: 8 });
    feed.publish({ kind: 'platform', accountId: 1 });
    expect(cachedHalves()).toEqual([true, true]);
    await check.userFor(token());
    expect(reads).toHaveLength(1);

    table.revocations = { revokedJtis: ['j1'], tokensValidAfter: null };
    feed.publish({ kind: 'user', userId: 7 });
    expect(cachedHalves()).toEqual([false, false]);
    await expect(check.userFor(token())).resolves.toBeNull();
    table.user = { ...aliceRow, is_active: false };
    table.revocations = { revokedJtis: [], tokensValidAfter: null };
    feed.publish({ kind: 'user', userId: 7 });
    expect(cachedHalves()).toEqual([false, false]);
    await expect(check.userFor(token())).resolves.toBeNull();
    expect(reads).toHaveLength(3);
  });

  it('reads both again when only one half is cached, and keeps both', async () => {
    const { check, users, reads } = setUp();
    users.authUserFromRow(users.authUserTicket(), { ...aliceRow }); // the user's half only
    await check.userFor(token());
    await check.userFor(token());
    expect(reads).toEqual([7]);
  });

  it('keeps neither half of a row read before a change that arrived meanwhile', async () => {
    for (const change of [
      (t: ReturnType<typeof setUp>['table']) => (t.user = { ...aliceRow, is_active: false }),
      (t: ReturnType<typeof setUp>['table']) => (t.revocations = { revokedJtis: ['j1'], tokensValidAfter: null }),
    ]) {
      const { check, table, reads, feed, cachedHalves, whileReading } = setUp();
      whileReading(() => {
        change(table);
        feed.publish({ kind: 'user', userId: 7 });
      });
      // Read before the change: answered as read, but not kept.
      await expect(check.userFor(token())).resolves.not.toBeNull();
      expect(cachedHalves()).toEqual([false, false]);
      await expect(check.userFor(token())).resolves.toBeNull();
      expect(reads).toEqual([7, 7]);
    }
  });

  it('reads the database on every request while the change listener is down', async () => {
    const { check, reads, feed } = setUp();
    await check.userFor(token());
    feed.isLive = false;
    await check.userFor(token());
    await check.userFor(token());
    expect(reads).toEqual([7, 7, 7]);
  });

  it('lets a database failure through (503, not 401)', async () => {
    const feed = new ChangeFeed();
    const changes = feed as unknown as DataChangesService;
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const repository = {
      userWithRevocations: () => Promise.reject(down),
    } as unknown as TokenRevocationsRepository;
    const users = new UsersService({} as UsersRepository, {} as AccountsRepository, config, changes);
    const check = new AuthUserCheck(users, new TokenRevocations(repository, config, changes), repository);
    await expect(check.userFor(token())).rejects.toBe(down);
  });
});
