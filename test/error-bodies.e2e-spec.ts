import { DataSource } from 'typeorm';
import { UsersService } from '../src/users/users.service.js';
import { loginAs, type Session } from './support/auth.js';
import { expectErrorShape, INTERNALS } from './support/error-shape.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { captureProcessOutput } from './support/process-output.js';

const PROVIDERS = '/dashboard/passthrough/api/providers/';
const INTERNAL = { statusCode: 500, error: 'Internal Server Error', message: 'Internal server error' };

/**
 * Whatever goes wrong inside, a client is told only that something did: no stack, no SQL, no
 * path, no driver message, in every environment (there is no debug mode that would show more).
 * The log has the details.
 */
describe.each(['development', 'test', 'production'])('error bodies with NODE_ENV=%s', (env) => {
  let t: TestApp;
  let db: DataSource;
  let alice: Session;
  let captured: ReturnType<typeof captureProcessOutput> | undefined;

  beforeAll(async () => {
    t = await startTestApp({
      NODE_ENV: env,
      ...(env === 'production' ? { COOKIE_SECURE: 'false', ALLOW_INSECURE_COOKIES: 'true' } : {}),
    });
    db = t.app.get(DataSource);
    const f = new Factories(db);
    const aliceId = await f.user({ username: 'alice' });
    await f.provider(await f.profile(aliceId, await f.account()), { name: 'p' });
    alice = await loginAs(t, 'alice');
    captured = captureProcessOutput();
  });
  afterEach(() => {
    delete (t.app.get(UsersService) as Partial<UsersService>).accountNumbers; // back to the prototype's
  });
  afterAll(async () => {
    captured?.restore();
    await t?.close();
  });

  const me = () => t.inject({ method: 'GET', url: '/auth/me', headers: alice.bearer });

  it('an unexpected error (with a stack, a path and SQL in its message) is a bare 500; the log has it', async () => {
    t.app.get(UsersService).accountNumbers = () =>
      Promise.reject(
        new TypeError('Cannot read x of undefined at /work/main/src/users/users.service.ts:91 (SELECT * FROM users)'),
      );
    const res = await me();
    expect(expectErrorShape(res, 500)).toEqual(INTERNAL);
    expect(captured!.output()).toMatch(/TypeError: Cannot read x of undefined[\s\S]*\n\s+at /);
  });

  it('a constraint violation raised by PostgreSQL through the driver is a bare 500', async () => {
    // The route's query replaced by one that breaks a unique constraint, through the real driver.
    t.app.get(UsersService).accountNumbers = () =>
      db.query(`INSERT INTO users (username, password_hash) VALUES ('alice', 'x')`);
    const res = await me();
    expect(expectErrorShape(res, 500)).toEqual(INTERNAL);
    expect(res.body).not.toMatch(/duplicate|users_username_key|23505|INSERT/);
    expect(captured!.output()).toMatch(/duplicate key value violates unique constraint/);
  });

  it('a schema that is not what the code expects (a table renamed underneath) is a bare 500, and nothing leaks on any route', async () => {
    await db.query('ALTER TABLE providers RENAME TO providers_moved');
    try {
      for (const res of [
        await t.inject({ method: 'POST', url: PROVIDERS, headers: alice.bearer }),
        await t.inject({ method: 'POST', url: PROVIDERS, headers: alice.browser }),
      ]) {
        expect(expectErrorShape(res, 500)).toEqual(INTERNAL);
        expect(res.body).not.toMatch(/providers_moved|relation|42P01/);
      }
    } finally {
      await db.query('ALTER TABLE providers_moved RENAME TO providers');
    }
    const after = await t.inject({ method: 'POST', url: PROVIDERS, headers: alice.bearer });
    expect(after.statusCode).toBe(200);
  });

  it('4xx messages are the service’s own words, never an echo of internals', async () => {
    for (const res of [
      await t.inject({ method: 'GET', url: '/no/such/route' }),
      await t.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"x":',
      }),
      await t.inject({ method: 'POST', url: '/auth/login', payload: { username: 'alice', password: 'wrong' } }),
      await t.inject({ method: 'GET', url: '/auth/me', headers: { authorization: 'Bearer a.b.c' } }),
      await t.inject({ method: 'GET', url: PROVIDERS, headers: alice.bearer }),
    ]) {
      expectErrorShape(res);
      expect(res.body).not.toMatch(INTERNALS);
    }
  });
});
