import { DataSource } from 'typeorm';
import { loginAs, type Session } from './support/auth.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const USAGE = '/api/v1/prompts/usage';

describe('GET /api/v1/prompts/usage', () => {
  let t: TestApp;
  let db: DataSource;
  const ids: Record<string, number> = {};
  const sessions: Record<string, Session> = {};
  let p1: number;
  let p2: number;

  /** One journal row, inserted straight into the table. */
  const call = (userId: number, providerId: number, at: string, tokens: [number, number] | null) =>
    db.query(
      `INSERT INTO prompt_usage (user_id, provider_id, model, streamed, upstream_status, outcome, time_to_first_byte_ms,
                                 duration_ms, prompt_tokens, completion_tokens, total_tokens, created_at)
       VALUES ($1, $2, 'm', false, 200, 'ok', 5, 9, $3, $4, $5, $6)`,
      [userId, providerId, tokens?.[0] ?? null, tokens?.[1] ?? null, tokens ? tokens[0] + tokens[1] : null, at],
    );

  const report = async (who: string, query = '') => {
    const res = await t.inject({ method: 'GET', url: `${USAGE}${query}`, headers: sessions[who].bearer });
    expect(res.statusCode).toBe(200);
    return res.json();
  };

  beforeAll(async () => {
    t = await startTestApp();
    db = t.app.get(DataSource);
    const f = new Factories(db);
    const acme = await f.account();
    const globex = await f.account();
    for (const name of ['alice', 'bob', 'carol', 'staff', 'admin']) {
      ids[name] = await f.user({ username: name, isStaff: name === 'staff', isSuperuser: name === 'admin' });
    }
    const aliceProfile = await f.profile(ids.alice, acme);
    await f.profile(ids.bob, acme);
    await f.profile(ids.staff, acme);
    await f.profile(ids.carol, globex);
    p1 = await f.provider(aliceProfile);
    p2 = await f.provider(aliceProfile);
    await call(ids.alice, p1, '2026-11-30T10:00:00Z', [10, 5]);
    await call(ids.alice, p1, '2026-12-01T10:00:00Z', [1, 1]);
    await call(ids.alice, p2, '2026-12-01T11:00:00Z', null);
    await call(ids.bob, p1, '2026-12-01T12:00:00Z', [100, 50]);
    await call(ids.carol, p2, '2026-12-01T13:00:00Z', [7, 0]);
    for (const name of Object.keys(ids)) sessions[name] = await loginAs(t, name);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('shows a user their own calls: totals per provider and per day, and the latest first', async () => {
    const body = await report('alice');
    expect(body.by_provider).toEqual([
      { provider_id: p1, calls: 2, prompt_tokens: 11, completion_tokens: 6, total_tokens: 17 },
      { provider_id: p2, calls: 1, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    ]);
    expect(body.by_day).toEqual([
      { provider_id: p1, day: '2026-11-30', calls: 1, prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      { provider_id: p1, day: '2026-12-01', calls: 1, prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
      { provider_id: p2, day: '2026-12-01', calls: 1, prompt_tokens: 0, completion_tokens: 0, total_tokens: 0 },
    ]);
    expect(body.latest.map((c: { created_at: string }) => c.created_at)).toEqual([
      '2026-12-01T11:00:00.000Z',
      '2026-12-01T10:00:00.000Z',
      '2026-11-30T10:00:00.000Z',
    ]);
    expect(body.latest.every((c: { user_id: number }) => c.user_id === ids.alice)).toBe(true);
  });

  it("shows staff their accounts' users' calls, and a superuser everyone's", async () => {
    const users = (body: { latest: { user_id: number }[] }) => [...new Set(body.latest.map((c) => c.user_id))].sort();
    expect(users(await report('staff'))).toEqual([ids.alice, ids.bob].sort());
    expect(users(await report('carol'))).toEqual([ids.carol]);
    expect(users(await report('admin'))).toEqual([ids.alice, ids.bob, ids.carol].sort());
  });

  it('filters by provider and time', async () => {
    const body = await report('alice', `?provider=${p1}&since=2026-12-01T00:00:00Z&until=2026-12-02T00:00:00Z`);
    expect(body.by_provider).toEqual([
      { provider_id: p1, calls: 1, prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
    ]);
    expect(body.latest).toHaveLength(1);
  });

  it('refuses a malformed filter with 400, and anonymous callers with 401', async () => {
    const bad = await t.inject({ method: 'GET', url: `${USAGE}?since=yesterday`, headers: sessions.alice.bearer });
    expect(bad.statusCode).toBe(400);
    const anonymous = await t.inject({ method: 'GET', url: USAGE, headers: { accept: 'application/json' } });
    expect(anonymous.statusCode).toBe(401);
  });
});
