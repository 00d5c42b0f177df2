import { randomUUID } from 'node:crypto';
import jwt from 'jsonwebtoken';
import pg from 'pg';
import { DataSource } from 'typeorm';
import { TokenRevocationsRepository } from '../src/auth/revocation/token-revocations.repository.js';
import { UsersRepository } from '../src/users/users.repository.js';
import { loginAs } from './support/auth.js';
import { NEVER_CACHE } from './support/error-shape.js';
import { Factories } from './support/factories.js';
import { recordStatements } from './support/test-database.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait.js';

/** A change made elsewhere is refused at once with the cache off, within the listener's delay with it on. */
const WITHIN_1S = { timeoutMs: 1000, intervalMs: 10 };
const INVALID_TOKEN = 'Bearer realm="providers", error="invalid_token"';
/** The statements that read a user or their sign-outs (not the accounts that GET /auth/me lists). */
const USER_OR_SIGN_OUTS = /\b(users|revoked_tokens|user_token_cutoffs)\b/;

/**
 * The guard's check of the user a token names (AuthUserCheck), against PostgreSQL: one query
 * for the user and their sign-outs whenever they are not both cached, and the same refusals
 * whether they come from that query or from memory.
 */
describe.each(['off', 'on'] as const)('the per-request user check (PROVIDERS_CACHE=%s)', (cache) => {
  let t: TestApp;
  let f: Factories;
  let other: pg.Client; // changes made behind the service's back, as psql would
  let statements: string[];

  beforeAll(async () => {
    // A short statement timeout, for the test of a database that does not answer.
    t = await startTestApp({ PROVIDERS_CACHE: cache, DB_STATEMENT_TIMEOUT_MS: '500' });
    expect(t.config.providersCache).toBe(cache === 'on');
    const ds = t.app.get(DataSource);
    f = new Factories(ds);
    other = new pg.Client({ connectionString: t.db.url });
    await other.connect();
    statements = recordStatements(ds);
  });
  afterAll(async () => {
    await other?.end();
    await t?.close();
  });

  const me = (headers: Record<string, string>) => t.inject({ method: 'GET', url: '/auth/me', headers });
  const status = (headers: Record<string, string>) => me(headers).then((res) => res.statusCode);
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
  /** A token as the service signs them, for a user, id or time that sign-in cannot produce. */
  const mint = (
    userId: number,
    { jti = randomUUID() as string, iat = Math.floor(Date.now() / 1000) }: { jti?: string; iat?: number } = {},
  ) =>
    jwt.sign({ iat }, TEST_JWT_SECRET, {
      algorithm: 'HS256',
      subject: String(userId),
      issuer: t.config.JWT_ISSUER,
      audience: t.config.JWT_AUDIENCE,
      expiresIn: 600,
      jwtid: jti,
    });
  const refusedAsInvalid = async (headers: Record<string, string>) => {
    const res = await me(headers);
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe(INVALID_TOKEN);
  };
  const userIdOf = async (username: string): Promise<number> =>
    (await other.query('SELECT id FROM users WHERE username = $1', [username])).rows[0].id;

  it('reads the user and their sign-outs in one statement; with the cache on, none the second time', async () => {
    await f.user({ username: 'alice' });
    const alice = await loginAs(t, 'alice');
    const readsOf = async () => {
      const before = statements.length;
      expect((await me(alice.bearer)).statusCode).toBe(200);
      return statements.slice(before).filter((sql) => USER_OR_SIGN_OUTS.test(sql));
    };
    const first = await readsOf();
    expect(first).toHaveLength(1);
    expect(first[0]).toMatch(/FROM users u LEFT JOIN user_token_cutoffs/);
    expect(first[0]).toMatch(/revoked_tokens/);
    await expect(readsOf()).resolves.toHaveLength(cache === 'on' ? 0 : 1);
  });

  it('refuses a token of a user that does not exist', async () => {
    const [{ max }] = (await other.query('SELECT coalesce(max(id), 0) AS max FROM users')).rows;
    await refusedAsInvalid(bearer(mint(max + 1000)));
  });

  it('refuses an inactive user, on their first request and once deactivated, and lets them in again', async () => {
    const carol = await f.user({ username: 'carol', isActive: false });
    await refusedAsInvalid(bearer(mint(carol)));

    await f.user({ username: 'dave' });
    const dave = await loginAs(t, 'dave');
    await expect(status(dave.bearer)).resolves.toBe(200);
    await other.query('UPDATE users SET is_active = false WHERE username = $1', ['dave']);
    await waitFor(
      () => status(dave.bearer),
      (s) => s === 401,
      { ...WITHIN_1S, what: 'the deactivated user refused' },
    );
    await refusedAsInvalid(dave.bearer);
    await other.query('UPDATE users SET is_active = true WHERE username = $1', ['dave']);
    await waitFor(
      () => status(dave.bearer),
      (s) => s === 200,
      { ...WITHIN_1S, what: 'the reactivated user let in' },
    );
  });

  it('refuses a token signed out by its jti, bearer and cookie, and only that token', async () => {
    await f.user({ username: 'erin' });
    const [first, second] = [await loginAs(t, 'erin'), await loginAs(t, 'erin')];
    await expect(status(first.bearer)).resolves.toBe(200);
    await expect(status(second.bearer)).resolves.toBe(200);
    await expect(t.inject({ method: 'POST', url: '/auth/logout', headers: first.bearer })).resolves.toMatchObject({
      statusCode: 204,
    });
    await waitFor(
      () => status(first.bearer),
      (s) => s === 401,
      { ...WITHIN_1S, what: 'the signed-out token refused' },
    );
    await refusedAsInvalid(first.bearer);
    await refusedAsInvalid({ cookie: first.cookies });
    await expect(status(second.bearer)).resolves.toBe(200);
  });

  it('refuses them on the read that fills the cache too: signed out before their user was ever seen', async () => {
    const ivan = await f.user({ username: 'ivan' });
    await other.query(
      `INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ('ivan-out', $1, now() + interval '10 min')`,
      [ivan],
    );
    await refusedAsInvalid(bearer(mint(ivan, { jti: 'ivan-out' })));
    await expect(status(bearer(mint(ivan)))).resolves.toBe(200);

    const judy = await f.user({ username: 'judy' });
    const [{ second }] = (
      await other.query(
        `INSERT INTO user_token_cutoffs (user_id, tokens_valid_after) VALUES ($1, now())
         RETURNING floor(extract(epoch FROM tokens_valid_after))::int AS second`,
        [judy],
      )
    ).rows;
    await refusedAsInvalid(bearer(mint(judy, { iat: second })));
    await expect(status(bearer(mint(judy, { iat: second + 1 })))).resolves.toBe(200);
  });

  it('refuses the tokens issued in or before the second of a sign-out everywhere, not those after', async () => {
    await f.user({ username: 'frank' });
    const frank = await loginAs(t, 'frank');
    await expect(status(frank.bearer)).resolves.toBe(200);
    await t.inject({ method: 'POST', url: '/auth/logout-all', headers: frank.bearer });
    await waitFor(
      () => status(frank.bearer),
      (s) => s === 401,
      { ...WITHIN_1S, what: 'the token refused' },
    );
    await refusedAsInvalid(frank.bearer);

    const id = await userIdOf('frank');
    const [{ second }] = (
      await other.query(
        'SELECT floor(extract(epoch FROM tokens_valid_after))::int AS second FROM user_token_cutoffs WHERE user_id = $1',
        [id],
      )
    ).rows;
    await refusedAsInvalid(bearer(mint(id, { iat: second })));
    await expect(status(bearer(mint(id, { iat: second + 1 })))).resolves.toBe(200);
  });

  it('answers 503, not 401, when the database does not answer the check, and lets the user in once it does', async () => {
    // A user never seen before: with the cache on too, the check has to ask the database.
    await f.user({ username: 'gina' });
    const gina = await loginAs(t, 'gina');
    await other.query('BEGIN');
    try {
      await other.query('LOCK TABLE revoked_tokens IN ACCESS EXCLUSIVE MODE');
      const res = await me(gina.bearer);
      expect(res.statusCode).toBe(503);
      expect(res.json()).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'database unavailable' });
      expect(res.headers['cache-control']).toBe(NEVER_CACHE);
    } finally {
      await other.query('ROLLBACK');
    }
    await expect(status(gina.bearer)).resolves.toBe(200);
  });

  it('reads the same user columns as UsersRepository, and only sign-outs that have not expired', async () => {
    const repository = t.app.get(TokenRevocationsRepository);
    const hugo = await f.user({ username: 'hugo', isStaff: true, email: 'hugo@example.test' });
    const row = await repository.userWithRevocations(hugo);
    expect(row).toEqual({
      user: await t.app.get(UsersRepository).findAuthUserRow(hugo),
      revocations: { revokedJtis: [], tokensValidAfter: null },
    });
    await other.query(
      `INSERT INTO revoked_tokens (jti, user_id, expires_at)
       VALUES ('hugo-live', $1, now() + interval '10 min'), ('hugo-gone', $1, now() - interval '1 s')`,
      [hugo],
    );
    await other.query('INSERT INTO user_token_cutoffs (user_id, tokens_valid_after) VALUES ($1, now())', [hugo]);
    const after = await repository.userWithRevocations(hugo);
    expect(after?.revocations.revokedJtis).toEqual(['hugo-live']);
    expect(after?.revocations.tokensValidAfter).toBeInstanceOf(Date);
    await expect(repository.userWithRevocations(hugo + 1000)).resolves.toBeNull();
  });
});
