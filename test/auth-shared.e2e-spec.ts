import { DataSource } from 'typeorm';
import { captureProcessOutput } from './support/process-output.js';
import { loginAs } from './support/auth.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { sleep, waitFor } from './support/wait.js';

const PER_USER = 4;
const PER_ADDRESS = 8;

/**
 * Two applications on one database, as two instances behind a load balancer: sign-in limits
 * and sign-outs hold across both (the built service, in two processes, is
 * test/two-instances.e2e-spec.ts).
 */
describe('sign-in limits and sign-outs shared by every instance', () => {
  let db: TestDatabase;
  let a: TestApp;
  let b: TestApp;
  let f: Factories;

  beforeAll(async () => {
    db = await createTestDatabase();
    const env = {
      PROVIDERS_CACHE: 'on',
      LOGIN_MAX_FAILURES_PER_USER: String(PER_USER),
      LOGIN_MAX_FAILURES_PER_IP: String(PER_ADDRESS),
      TRUST_PROXY: '127.0.0.1',
      // The fallback to in-process counts is a warning.
      LOG_LEVEL: 'warn',
    };
    a = await startTestApp(env, db);
    b = await startTestApp(env, db);
    f = new Factories(a.app.get(DataSource));
    for (const username of ['alice', 'bob', 'carol', 'dave', 'erin']) await f.user({ username });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  const attempt = (t: TestApp, username: string, password: string, address = '127.0.0.1', forwardedFor?: string) =>
    t.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username, password },
      remoteAddress: address,
      headers: forwardedFor ? { 'x-forwarded-for': forwardedFor } : {},
    });
  const me = (t: TestApp, headers: Record<string, string>) => t.inject({ method: 'GET', url: '/auth/me', headers });

  it('failures spread over both instances are throttled at the limit, not twice it', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < PER_USER * 2; i++) {
      statuses.push((await attempt(i % 2 ? b : a, 'bob', 'wrong', `10.9.0.${i + 1}`)).statusCode);
    }
    expect(statuses).toEqual([...Array(PER_USER).fill(401), ...Array(PER_USER).fill(429)]);
    // The right password too, on either.
    await expect(attempt(a, 'bob', 'pw-bob', '10.9.1.1')).resolves.toMatchObject({ statusCode: 429 });
    await expect(attempt(b, 'bob', 'pw-bob', '10.9.1.2')).resolves.toMatchObject({ statusCode: 429 });
  });

  it('counts any username, a NUL in it too, in the shared table', async () => {
    const odd = 'ev\u0000il';
    const statuses: number[] = [];
    for (let i = 0; i < PER_USER + 1; i++) {
      statuses.push((await attempt(i % 2 ? b : a, odd, 'wrong', `10.9.5.${i + 1}`)).statusCode);
    }
    expect(statuses).toEqual([...Array(PER_USER).fill(401), 429]);
    const rows: unknown[] = await a.app
      .get(DataSource)
      .query(`SELECT key FROM sign_in_failures WHERE failures = $1`, [PER_USER]);
    expect(rows.length).toBeGreaterThan(0);
  });

  it('per address too, across usernames and instances', async () => {
    for (let i = 0; i < PER_ADDRESS; i++) {
      await expect(attempt(i % 2 ? a : b, `nobody-${i}`, 'guess', '10.9.2.1')).resolves.toMatchObject({
        statusCode: 401,
      });
    }
    await expect(attempt(a, 'carol', 'pw-carol', '10.9.2.1')).resolves.toMatchObject({ statusCode: 429 });
    await expect(attempt(b, 'carol', 'pw-carol', '10.9.2.2')).resolves.toMatchObject({ statusCode: 200 });
  });

  it('TRUST_PROXY: behind a trusted proxy the forwarded address is counted; from anyone else it is ignored', async () => {
    for (let i = 0; i < PER_ADDRESS; i++) {
      await attempt(a, `forwarded-${i}`, 'guess', '127.0.0.1', '203.0.113.7');
    }
    await expect(attempt(b, 'dave', 'pw-dave', '127.0.0.1', '203.0.113.7')).resolves.toMatchObject({
      statusCode: 429,
    });
    // The proxy's own address was not counted: another client behind it signs in.
    await expect(attempt(b, 'dave', 'pw-dave', '127.0.0.1', '203.0.113.8')).resolves.toMatchObject({
      statusCode: 200,
    });
    // A client that is not the proxy cannot choose its address by sending the header.
    await expect(attempt(a, 'dave', 'pw-dave', '10.9.3.1', '203.0.113.7')).resolves.toMatchObject({
      statusCode: 200,
    });
  });

  it('a logout on A refuses the token on B within 1 s (bearer and cookie), and only that token', async () => {
    const first = await loginAs(a, 'alice');
    const second = await loginAs(a, 'alice');
    await expect(me(b, first.bearer)).resolves.toMatchObject({ statusCode: 200 }); // cached on B now
    const out = await a.inject({ method: 'POST', url: '/auth/logout', headers: first.bearer });
    expect(out.statusCode).toBe(204);
    const { ms } = await waitFor(
      () => me(b, first.bearer).then((r) => r.statusCode),
      (status) => status === 401,
      { timeoutMs: 1000, what: 'the signed-out token refused on B' },
    );
    expect(ms).toBeLessThan(1000);
    await expect(me(a, first.bearer)).resolves.toMatchObject({ statusCode: 401 });
    await expect(me(b, { cookie: first.cookies })).resolves.toMatchObject({ statusCode: 401 });
    await expect(me(b, second.bearer)).resolves.toMatchObject({ statusCode: 200 });
  });

  it('a cookie logout revokes the cookie’s token; a logout without a valid token only clears cookies', async () => {
    const session = await loginAs(b, 'erin');
    const out = await b.inject({ method: 'POST', url: '/auth/logout', headers: { cookie: session.cookies } });
    expect(out.statusCode).toBe(204);
    await waitFor(
      () => me(a, session.bearer).then((r) => r.statusCode),
      (status) => status === 401,
      { timeoutMs: 1000, what: 'the cookie token refused on A' },
    );
    const anonymous = await a.inject({ method: 'POST', url: '/auth/logout' });
    expect(anonymous.statusCode).toBe(204);
    const garbage = await a.inject({ method: 'POST', url: '/auth/logout', headers: { authorization: 'Bearer x.y.z' } });
    expect(garbage.statusCode).toBe(204);
  });

  it('POST /auth/logout-all revokes every token of the caller on every instance, and none of others', async () => {
    const sessions = [await loginAs(a, 'carol', 'pw-carol'), await loginAs(b, 'carol', 'pw-carol')];
    const other = await loginAs(a, 'dave');
    const anonymous = await b.inject({ method: 'POST', url: '/auth/logout-all' });
    expect(anonymous.statusCode).toBe(401);
    const out = await b.inject({ method: 'POST', url: '/auth/logout-all', headers: sessions[0].bearer });
    expect(out.statusCode).toBe(204);
    for (const t of [a, b]) {
      for (const session of sessions) {
        await waitFor(
          () => me(t, session.bearer).then((r) => r.statusCode),
          (status) => status === 401,
          { timeoutMs: 1000, what: 'every token of carol refused' },
        );
      }
    }
    await expect(me(a, other.bearer)).resolves.toMatchObject({ statusCode: 200 });
    // A new sign-in (in a later second than the cutoff, which counts whole seconds) works again.
    await sleep(1100);
    const again = await loginAs(b, 'carol', 'pw-carol');
    await expect(me(a, again.bearer)).resolves.toMatchObject({ statusCode: 200 });
  });

  it('revocation rows of tokens that expired are deleted by the next logout', async () => {
    const ds = a.app.get(DataSource);
    const userId = (await ds.query(`SELECT id FROM users WHERE username = 'alice'`))[0].id;
    const before: unknown[] = await ds.query(`SELECT jti FROM revoked_tokens`);
    await ds.query(
      `INSERT INTO revoked_tokens (jti, user_id, expires_at) VALUES ('long-gone', $1, now() - interval '1 s')`,
      [userId],
    );
    const session = await loginAs(a, 'alice');
    await a.inject({ method: 'POST', url: '/auth/logout', headers: session.bearer });
    const left: { jti: string }[] = await ds.query(`SELECT jti FROM revoked_tokens`);
    expect(left.map((r) => r.jti)).not.toContain('long-gone');
    expect(left).toHaveLength(before.length + 1);
  });

  it('with the shared counts unreachable, falls back to counting in the process, and says so', async () => {
    const ds = a.app.get(DataSource);
    const captured = captureProcessOutput();
    try {
      await ds.query(`ALTER TABLE sign_in_failures RENAME TO sign_in_failures_away`);
      for (let i = 0; i < PER_USER; i++) {
        await expect(attempt(a, 'alice', 'wrong', `10.9.4.${i + 1}`)).resolves.toMatchObject({ statusCode: 401 });
      }
      await expect(attempt(a, 'alice', 'pw-alice', '10.9.4.99')).resolves.toMatchObject({ statusCode: 429 });
    } finally {
      await ds.query(`ALTER TABLE sign_in_failures_away RENAME TO sign_in_failures`);
      captured.restore();
    }
    expect(captured.output()).toMatch(/Shared sign-in counts unreachable .*counting in this process only/);
  });
});
