import { DataSource } from 'typeorm';
import { loginAs } from './support/auth.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/** Small limits, so that the throttle is reached in a few attempts. */
const PER_USER = 3;
const PER_ADDRESS = 6;
const WINDOW = 60;

describe('sign-in throttling (failed attempts only)', () => {
  let t: TestApp;
  let f: Factories;

  beforeAll(async () => {
    t = await startTestApp({
      LOGIN_MAX_FAILURES_PER_USER: String(PER_USER),
      LOGIN_MAX_FAILURES_PER_IP: String(PER_ADDRESS),
      LOGIN_FAILURE_WINDOW_SECONDS: String(WINDOW),
    });
    f = new Factories(t.app.get(DataSource));
    for (const username of ['alice', 'bob', 'carol', 'dave', 'erin', 'grace']) await f.user({ username });
  });
  afterAll(async () => {
    await t?.close();
  });

  const attempt = (username: string, password: string, address = '127.0.0.1') =>
    t.inject({ method: 'POST', url: '/auth/login', payload: { username, password }, remoteAddress: address });

  it('throttles a username after its failures, from any address, even with the right password', async () => {
    for (let i = 0; i < PER_USER; i++) {
      await expect(attempt('bob', 'wrong', '10.0.1.1')).resolves.toMatchObject({ statusCode: 401 });
    }
    for (const [password, address] of [
      ['wrong', '10.0.1.1'],
      ['pw-bob', '10.0.1.1'],
      ['pw-bob', '10.0.1.2'],
    ]) {
      const res = await attempt('bob', password, address);
      expect(res.statusCode).toBe(429);
      expect(res.json()).toEqual({
        statusCode: 429,
        error: 'Too Many Requests',
        message: 'Too many failed sign-in attempts; try again later',
      });
      const retryAfter = Number(res.headers['retry-after']);
      expect(retryAfter).toBeGreaterThan(0);
      expect(retryAfter).toBeLessThanOrEqual(WINDOW);
      expect(res.headers['set-cookie']).toBeUndefined();
    }
  });

  it('another user still signs in from the same address', async () => {
    await expect(attempt('alice', 'pw-alice', '10.0.1.1')).resolves.toMatchObject({ statusCode: 200 });
  });

  it('never counts successes: many sign-ins in a row stay fine', async () => {
    for (let i = 0; i < PER_ADDRESS + PER_USER + 2; i++) {
      await expect(attempt('carol', 'pw-carol', '10.0.2.1')).resolves.toMatchObject({ statusCode: 200 });
    }
  });

  it('throttles an address after its failures across usernames; other addresses are unaffected', async () => {
    const address = '10.0.3.1';
    for (let i = 0; i < PER_ADDRESS; i++) {
      await expect(attempt(`made-up-${i}`, 'guess', address)).resolves.toMatchObject({ statusCode: 401 });
    }
    const res = await attempt('dave', 'pw-dave', address);
    expect(res.statusCode).toBe(429);
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    await expect(attempt('dave', 'pw-dave', '10.0.3.2')).resolves.toMatchObject({ statusCode: 200 });
  });

  it('counts concurrent attempts too: a burst gets at most one check per free slot past the limit', async () => {
    const burst = await Promise.all(Array.from({ length: 20 }, (_, i) => attempt('erin', 'wrong', `10.0.4.${i + 1}`)));
    const statuses = burst.map((r) => r.statusCode);
    const checked = statuses.filter((s) => s === 401).length;
    expect(checked).toBeGreaterThanOrEqual(PER_USER);
    expect(checked).toBeLessThanOrEqual(PER_USER + 1); // two password-check slots at most
    expect(statuses.filter((s) => s === 429)).toHaveLength(20 - checked);
  });

  it('the login page is throttled by the same counts (429, the form again)', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/login/',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: 'username=bob&password=pw-bob',
      remoteAddress: '10.0.5.1',
    });
    expect(res.statusCode).toBe(429);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('Too many failed attempts');
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
  });

  it('a flood of wrong passwords is queued or refused (503), and does not starve other routes', async () => {
    const grace = await loginAs(t, 'grace', 'pw-grace');
    const flood = Array.from({ length: 80 }, (_, i) => attempt(`flood-${i}`, 'guess', `10.1.${i >> 8}.${i & 255}`));
    // While the flood is being checked, guarded and public routes answer promptly.
    const started = performance.now();
    const [me, health] = await Promise.all([
      t.inject({ method: 'GET', url: '/auth/me', headers: grace.bearer }),
      t.inject({ method: 'GET', url: '/healthz' }),
    ]);
    const elapsed = performance.now() - started;
    expect(me.statusCode).toBe(200);
    expect(health.statusCode).toBe(200);
    expect(elapsed).toBeLessThan(1000);

    const statuses = (await Promise.all(flood)).map((r) => r.statusCode);
    expect(statuses.every((s) => s === 401 || s === 503)).toBe(true);
    const busy = (await Promise.all(flood)).filter((r) => r.statusCode === 503);
    expect(busy.length).toBeGreaterThan(0); // more than the queue holds
    expect(busy[0].json().message).toBe('Too many sign-ins in progress; try again shortly');
    expect(busy[0].headers['retry-after']).toBe('1');
  });
});
