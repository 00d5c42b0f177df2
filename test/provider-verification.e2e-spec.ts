import type { ServerResponse } from 'node:http';
import { DataSource } from 'typeorm';
import { VerificationService } from '../src/providers/verification/verification.service.js';
import { loginAs, type Session } from './support/auth.js';
import { Factories } from './support/factories.js';
import { closedPort, startStubUpstream, type StubUpstream } from './support/stub-upstream.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { GOOD_KEY, outcomeOf, providerState, setUpProvider, upstreamAnswers } from './support/verification-world.js';
import { waitFor } from './support/wait.js';

/**
 * Verification and the lifecycle routes, on the real application and PostgreSQL, against a
 * stub upstream on loopback (allowed by EGRESS_ALLOW_HOSTS, port included, so that any other
 * loopback port stays refused), with short timeouts.
 */
describe('provider verification and lifecycle', () => {
  let t: TestApp;
  let stub: StubUpstream;
  let f: Factories;
  let db: DataSource;
  let profiles: { owner: number; other: number };
  const as: Record<'superuser' | 'staff' | 'owner' | 'reader' | 'outsider', Session> = {} as never;

  beforeAll(async () => {
    stub = await startStubUpstream((req, res) => upstreamAnswers(req, res));
    t = await startTestApp({ EGRESS_ALLOW_HOSTS: `127.0.0.1:${stub.port}`, VERIFICATION_TIMEOUT_MS: '1000' });
    db = t.app.get(DataSource);
    f = new Factories(db);
    const acme = await f.account();
    const globex = await f.account();
    const superuser = await f.user({ username: 'root', isSuperuser: true });
    const staff = await f.user({ username: 'staffer', isStaff: true });
    const owner = await f.user({ username: 'owner' });
    const reader = await f.user({ username: 'reader' });
    const outsider = await f.user({ username: 'outsider' });
    await f.profile(superuser, acme);
    await f.profile(staff, acme);
    profiles = { owner: await f.profile(owner, acme), other: await f.profile(reader, acme) };
    await f.profile(outsider, globex);
    for (const name of ['superuser', 'staff', 'owner', 'reader', 'outsider'] as const) {
      as[name] = await loginAs(t, { superuser: 'root', staff: 'staffer' }[name as string] ?? name);
    }
  });
  afterAll(async () => {
    await t?.close();
    await stub?.close();
  });

  const post = (who: Session, url: string) => t.inject({ method: 'POST', url, headers: who.bearer });
  const get = (who: Session, url: string) => t.inject({ method: 'GET', url, headers: who.bearer });
  const results = async (id: number) => {
    const res = await get(as.owner, `/api/v1/providers/${id}/verifications`);
    expect(res.statusCode).toBe(200);
    return Object.fromEntries(
      (res.json().items as { check: string; ok: boolean; message: string }[]).map((r) => [r.check, r]),
    );
  };
  const historyOf = (id: number) =>
    db.query(
      `SELECT action, field, old_value, new_value, changed_by FROM provider_history WHERE provider_id = $1 ORDER BY id`,
      [id],
    );

  it('passes every check: verified, with the key sent upstream and nowhere else', async () => {
    const id = await f.provider(profiles.owner);
    await setUpProvider(t, stub, id, { privacyUrl: null });
    const res = await post(as.owner, `/api/v1/providers/${id}/verify`);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual(expect.objectContaining({ id, status: 'verifying' }));

    const state = await outcomeOf(t, id);
    expect(state).toEqual(expect.objectContaining({ status: 'verified', is_verified: true, is_active: true }));
    expect(state.verified_at).toBeInstanceOf(Date);
    const byCheck = await results(id);
    expect(Object.keys(byCheck)).toEqual([
      'connectivity',
      'website_url',
      'docs_url',
      'terms_of_service_url',
      'privacy_policy_url',
      'terms_accepted',
      'api_key',
    ]);
    for (const r of Object.values(byCheck)) expect(r.ok).toBe(true);
    expect(byCheck.privacy_policy_url.message).toMatch(/not set/);
    const models = stub.received.filter((r) => r.path === '/v1/models');
    expect(models.at(-1)?.headers.authorization).toBe(`Bearer ${GOOD_KEY}`);

    const history = await historyOf(id);
    expect(history.map((h: { new_value: string }) => h.new_value)).toEqual(['verifying', 'verified']);
    const [owner] = await db.query(`SELECT id FROM users WHERE username = 'owner'`);
    for (const h of history)
      expect(h).toEqual(expect.objectContaining({ action: 'verification', changed_by: owner.id }));
    const everything = JSON.stringify([byCheck, history, res.json()]);
    expect(everything).not.toContain(GOOD_KEY);
  });

  it('fails on a 401 from the upstream: failed, not verified, deactivated', async () => {
    const id = await f.provider(profiles.owner);
    await setUpProvider(t, stub, id, { apiKey: 'sk-wrong-key-0000' });
    expect((await post(as.owner, `/api/v1/providers/${id}/verify`)).statusCode).toBe(202);
    expect(await outcomeOf(t, id)).toEqual(
      expect.objectContaining({ status: 'failed', is_verified: false, is_active: false }),
    );
    const byCheck = await results(id);
    expect(byCheck.connectivity).toEqual(expect.objectContaining({ ok: false, message: 'answered 401, not 200' }));
    expect(byCheck.website_url.ok).toBe(true);
    expect(JSON.stringify(byCheck)).not.toContain('sk-wrong');
    expect((await historyOf(id)).map((h: { field: string; new_value: string }) => `${h.field}=${h.new_value}`)).toEqual(
      ['status=verifying', 'status=failed', 'is_active=false'],
    );
  });

  it('fails an upstream that does not answer within VERIFICATION_TIMEOUT_MS', async () => {
    const id = await f.provider(profiles.owner);
    await setUpProvider(t, stub, id, { baseUrl: stub.origin, testPath: 'hang' });
    await post(as.owner, `/api/v1/providers/${id}/verify`);
    expect((await outcomeOf(t, id)).status).toBe('failed');
    expect((await results(id)).connectivity).toEqual(
      expect.objectContaining({ ok: false, message: expect.stringMatching(/within 1000 ms/) }),
    );
  });

  it('passes on the status alone: a slow body is not waited for, its connection is closed', async () => {
    const id = await f.provider(profiles.owner);
    await setUpProvider(t, stub, id, { baseUrl: stub.origin, testPath: 'slow' });
    await post(as.owner, `/api/v1/providers/${id}/verify`);
    // The body would take a minute; the outcome is awaited far less than that.
    expect((await outcomeOf(t, id, 10_000)).status).toBe('verified');
    const slow = stub.received.filter((r) => r.path === '/slow').at(-1)!;
    await slow.connectionClosed;
  });

  it('does not follow a redirect to a private address, and refuses a private address not allowed', async () => {
    const id = await f.provider(profiles.owner);
    const unlisted = `http://127.0.0.1:${await closedPort()}/docs`;
    await setUpProvider(t, stub, id, { websiteUrl: `${stub.origin}/redirect`, docsUrl: unlisted });
    await post(as.owner, `/api/v1/providers/${id}/verify`);
    expect((await outcomeOf(t, id)).status).toBe('failed');
    const byCheck = await results(id);
    expect(byCheck.website_url).toEqual(
      expect.objectContaining({ ok: false, message: 'answered 302, not 200 (redirects are not followed)' }),
    );
    expect(byCheck.docs_url).toEqual(
      expect.objectContaining({
        ok: false,
        message: expect.stringMatching(/^Refused to connect to 127\.0\.0\.1: it is a loopback address/),
      }),
    );
    expect(byCheck.connectivity.ok).toBe(true);
  });

  it('fails without terms accepted or an API key (no upstream call with no key)', async () => {
    const id = await f.provider(profiles.owner);
    await setUpProvider(t, stub, id, { apiKey: null, termsAccepted: false });
    const before = stub.received.length;
    await post(as.owner, `/api/v1/providers/${id}/verify`);
    expect((await outcomeOf(t, id)).status).toBe('failed');
    const byCheck = await results(id);
    expect(byCheck.api_key.ok).toBe(false);
    expect(byCheck.terms_accepted.ok).toBe(false);
    expect(byCheck.connectivity).toEqual(expect.objectContaining({ ok: false, message: 'no API key to call with' }));
    expect(stub.received.slice(before).some((r) => r.path === '/v1/models')).toBe(false);
  });

  it('verify and its results: 202/200 for who may manage, 403 for a reader, 404 for the rest', async () => {
    const id = await f.provider(profiles.owner);
    await setUpProvider(t, stub, id);
    for (const who of ['owner', 'staff', 'superuser'] as const) {
      expect((await post(as[who], `/api/v1/providers/${id}/verify`)).statusCode).toBe(202);
      expect((await get(as[who], `/api/v1/providers/${id}/verifications`)).statusCode).toBe(200);
    }
    const forbidden = await post(as.reader, `/api/v1/providers/${id}/verify`);
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.json().code).toBe('action_forbidden');
    expect((await get(as.reader, `/api/v1/providers/${id}/verifications`)).statusCode).toBe(403);
    for (const url of [
      `/api/v1/providers/${id}/verify`,
      '/api/v1/providers/999999/verify',
      '/api/v1/providers/abc/verify',
    ]) {
      const res = await post(as.outsider, url);
      expect(res.statusCode).toBe(404);
      expect(res.json().code).toBe('provider_not_found');
    }
    expect((await get(as.outsider, `/api/v1/providers/${id}/verifications`)).statusCode).toBe(404);
    expect((await post(as.owner, '/api/v1/providers/99999999999/verify')).statusCode).toBe(404);
    expect((await t.inject({ method: 'POST', url: `/api/v1/providers/${id}/verify` })).statusCode).toBe(401);
    await outcomeOf(t, id);
  });

  it('activate lists every reason it cannot, then activates once verified with terms accepted', async () => {
    const id = await f.provider(profiles.owner);
    await db.query(`UPDATE providers SET is_active = false WHERE id = $1`, [id]);
    const refused = await post(as.owner, `/api/v1/providers/${id}/activate`);
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toEqual({
      statusCode: 409,
      error: 'Conflict',
      message: expect.any(String),
      code: 'provider_not_activatable',
      reasons: ['not_verified', 'terms_not_accepted'],
    });
    expect((await post(as.superuser, `/api/v1/providers/${id}/suspend`)).statusCode).toBe(200);
    expect((await post(as.owner, `/api/v1/providers/${id}/activate`)).json().reasons).toEqual([
      'not_verified',
      'terms_not_accepted',
      'suspended',
    ]);
    expect((await post(as.superuser, `/api/v1/providers/${id}/deprecate`)).statusCode).toBe(200);
    expect((await post(as.owner, `/api/v1/providers/${id}/activate`)).json().reasons).toEqual([
      'not_verified',
      'terms_not_accepted',
      'deprecated',
    ]);

    const ready = await f.provider(profiles.owner);
    await setUpProvider(t, stub, ready);
    await post(as.owner, `/api/v1/providers/${ready}/verify`);
    expect((await outcomeOf(t, ready)).status).toBe('verified');
    expect((await post(as.owner, `/api/v1/providers/${ready}/deactivate`)).json().is_active).toBe(false);
    const version = (await providerState(t, ready)).row_version;
    const activated = await post(as.owner, `/api/v1/providers/${ready}/activate`);
    expect(activated.statusCode).toBe(200);
    expect(activated.json()).toEqual({
      id: ready,
      status: 'verified',
      is_active: true,
      is_verified: true,
      verified_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect((await providerState(t, ready)).row_version).toBe(version + 1);
    expect((await post(as.reader, `/api/v1/providers/${ready}/deactivate`)).statusCode).toBe(403);
    expect((await post(as.outsider, `/api/v1/providers/${ready}/activate`)).statusCode).toBe(404);
  });

  it('suspend, unsuspend and deprecate: superusers only; suspending and deprecating deactivate', async () => {
    const id = await f.provider(profiles.owner);
    for (const who of ['owner', 'staff', 'reader'] as const) {
      for (const action of ['suspend', 'unsuspend', 'deprecate']) {
        const res = await post(as[who], `/api/v1/providers/${id}/${action}`);
        expect(res.statusCode).toBe(403);
      }
    }
    expect((await post(as.outsider, `/api/v1/providers/${id}/suspend`)).statusCode).toBe(404);
    expect((await post(as.superuser, `/api/v1/providers/${id}/unsuspend`)).statusCode).toBe(409);

    const suspended = await post(as.superuser, `/api/v1/providers/${id}/suspend`);
    expect(suspended.json()).toEqual(expect.objectContaining({ status: 'suspended', is_active: false }));
    const verify = await post(as.owner, `/api/v1/providers/${id}/verify`);
    expect(verify.statusCode).toBe(409);
    expect(verify.json().code).toBe('provider_status_conflict');
    const lifted = await post(as.superuser, `/api/v1/providers/${id}/unsuspend`);
    expect(lifted.json()).toEqual(expect.objectContaining({ status: 'unverified', is_active: false }));
    expect((await post(as.superuser, `/api/v1/providers/${id}/deprecate`)).json()).toEqual(
      expect.objectContaining({ status: 'deprecated', is_active: false }),
    );
    const [root] = await db.query(`SELECT id FROM users WHERE username = 'root'`);
    expect(await historyOf(id)).toEqual([
      { action: 'suspend', field: 'status', old_value: 'unverified', new_value: 'suspended', changed_by: root.id },
      { action: 'suspend', field: 'is_active', old_value: 'true', new_value: 'false', changed_by: root.id },
      { action: 'unsuspend', field: 'status', old_value: 'suspended', new_value: 'unverified', changed_by: root.id },
      { action: 'deprecate', field: 'status', old_value: 'unverified', new_value: 'deprecated', changed_by: root.id },
    ]);
    expect((await providerState(t, id)).row_version).toBe(4);
  });

  it('re-verifies active providers whose verification is over 10 days old, and no other', async () => {
    const expired = await f.provider(profiles.owner);
    const fresh = await f.provider(profiles.owner);
    for (const id of [expired, fresh]) {
      await setUpProvider(t, stub, id);
      await db.query(
        `UPDATE providers SET status = 'verified', is_verified = true, verified_at = now() WHERE id = $1`,
        [id],
      );
    }
    await db.query(`UPDATE providers SET verified_at = now() - interval '11 days' WHERE id = $1`, [expired]);
    // Everything else in this database is never verified, failed or inactive: left alone.
    expect(await t.app.get(VerificationService).queueExpired()).toBe(1);
    const state = await outcomeOf(t, expired);
    expect(state.status).toBe('verified');
    expect(Date.now() - state.verified_at!.getTime()).toBeLessThan(60_000);
    expect((await historyOf(expired)).map((h: { changed_by: number | null }) => h.changed_by)).toEqual([null, null]);
    expect(await historyOf(fresh)).toEqual([]);
  });
});

/** A run watched while it goes: each check's result is there as soon as it is decided. */
describe('provider verification, watched while it runs', () => {
  let t: TestApp;
  let stub: StubUpstream;
  const held: ServerResponse[] = [];

  beforeAll(async () => {
    // The connectivity check's answer is held until the test lets it go; the rest answer at once.
    stub = await startStubUpstream((req, res) =>
      req.url === '/gated/models' ? void held.push(res) : upstreamAnswers(req, res),
    );
    t = await startTestApp({ EGRESS_ALLOW_HOSTS: `127.0.0.1:${stub.port}`, VERIFICATION_TIMEOUT_MS: '30000' });
  });
  afterAll(async () => {
    for (const res of held) res.destroy();
    await t?.close();
    await stub?.close();
  });

  it('records each check as it completes, before the run ends; the outcome comes with the last', async () => {
    const f = new Factories(t.app.get(DataSource));
    const owner = await f.user({ username: 'watcher' });
    const id = await f.provider(await f.profile(owner, await f.account()));
    await setUpProvider(t, stub, id, { baseUrl: `${stub.origin}/gated` });
    const session = await loginAs(t, 'watcher');
    const checks = async () => {
      const res = await t.inject({
        method: 'GET',
        url: `/api/v1/providers/${id}/verifications`,
        headers: session.bearer,
      });
      return (res.json().items as { check: string; ok: boolean }[]).map((r) => r.check).sort();
    };
    expect(
      (await t.inject({ method: 'POST', url: `/api/v1/providers/${id}/verify`, headers: session.bearer })).statusCode,
    ).toBe(202);

    // Every check but connectivity, whose upstream has not answered: the run is still going.
    await waitFor(checks, (c) => c.length === 6, { timeoutMs: 20_000, what: 'the checks decided so far' });
    expect(await checks()).toEqual(
      ['api_key', 'docs_url', 'privacy_policy_url', 'terms_accepted', 'terms_of_service_url', 'website_url'].sort(),
    );
    expect(held).toHaveLength(1);
    expect((await providerState(t, id)).status).toBe('verifying');

    held[0].writeHead(200).end('{}');
    expect(await outcomeOf(t, id)).toEqual(expect.objectContaining({ status: 'verified', is_verified: true }));
    expect(await checks()).toContain('connectivity');
  });
});
