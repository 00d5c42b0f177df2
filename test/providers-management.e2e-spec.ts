import { DataSource } from 'typeorm';
import { loginAs, type Session } from './support/auth.js';
import { AWKWARD } from './support/awkward-strings.js';
import { Factories } from './support/factories.js';
import { captureProcessOutput } from './support/process-output.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const SECRET_KEY = 'sk-test-0123456789-very-secret-ABCD';

/**
 * The management routes on the real application and PostgreSQL: every route, every case of
 * the ownership rule, validation, ETags, the default provider, and the API key's secrecy.
 */
describe('provider management (/api/v1/providers)', () => {
  let t: TestApp;
  let ds: DataSource;
  let f: Factories;
  const s: Record<string, Session> = {};
  // 'napper' is made inactive by a test, after signing in.
  const acct: Record<string, { id: number; number: string }> = {};
  const prof: Record<string, number> = {};
  let logs: ReturnType<typeof captureProcessOutput>;

  beforeAll(async () => {
    logs = captureProcessOutput();
    t = await startTestApp({ LOG_LEVEL: 'verbose' });
    ds = t.app.get(DataSource);
    f = new Factories(ds);
    for (const [key, number, isPlatform] of [
      ['platform', '1000-0000-0001', true],
      ['acme', '2000-0000-0002', false],
      ['globex', '3000-0000-0003', false],
    ] as const) {
      acct[key] = { id: await f.account({ accountNumber: number, isPlatform }), number };
    }
    const users = {
      root: { isSuperuser: true, accounts: ['acme'] },
      staff: { isStaff: true, accounts: ['acme'] },
      globexstaff: { isStaff: true, accounts: ['globex'] },
      platformstaff: { isStaff: true, accounts: ['platform'] },
      owner: { accounts: ['acme'] },
      member: { accounts: ['acme'] },
      outsider: { accounts: ['globex'] },
      loner: { accounts: [] },
      napper: { isStaff: true, accounts: ['acme'] },
    } as const;
    for (const [username, u] of Object.entries(users)) {
      const userId = await f.user({
        username,
        isSuperuser: 'isSuperuser' in u,
        isStaff: 'isStaff' in u,
        isActive: !('isActive' in u),
      });
      for (const a of u.accounts) prof[`${username}@${a}`] = await f.profile(userId, acct[a].id);
      if (!('isActive' in u)) s[username] = await loginAs(t, username);
    }
  }, 60_000);
  afterAll(async () => {
    await t?.close();
    logs?.restore();
  });

  const call = (
    who: string,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE',
    url: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) =>
    t.inject({
      method,
      url,
      headers: { ...s[who].bearer, ...headers },
      ...(payload === undefined ? {} : { payload: payload as object }),
    });

  async function providerOf(profileKey: string, name = `p-${Math.random().toString(36).slice(2)}`) {
    return f.provider(prof[profileKey], { name });
  }

  describe('create', () => {
    it('staff create in their account: 201, Location, ETag, the owner is their profile', async () => {
      const res = await call('staff', 'POST', '/api/v1/providers', {
        account_number: acct.acme.number,
        name: 'Acme gateway',
        base_url: 'https://gw.acme.example/v1',
        default_model: 'gpt-4o-mini',
        connectivity_test_path: 'models',
        website_url: 'https://acme.example',
        contact_email: 'ops@acme.example',
      });
      expect(res.statusCode).toBe(201);
      const body = res.json();
      expect(res.headers.location).toBe(`/api/v1/providers/${body.id}`);
      expect(res.headers.etag).toBe(`"${body.id}.1"`);
      expect(body).toMatchObject({
        name: 'Acme gateway',
        owner: 'staff',
        account_number: acct.acme.number,
        created_by: 'staff',
        updated_by: 'staff',
        status: 'unverified',
        is_active: false,
        is_verified: false,
        has_api_key: false,
        api_key_last4: null,
        default_model: 'gpt-4o-mini',
        row_version: 1,
      });
      expect(Object.keys(body).sort()).toEqual(
        [
          'id',
          'name',
          'description',
          'base_url',
          'default_model',
          'connectivity_test_path',
          'website_url',
          'docs_url',
          'terms_of_service_url',
          'privacy_policy_url',
          'contact_email',
          'support_email',
          'status',
          'is_active',
          'is_verified',
          'is_featured',
          'is_default',
          'has_api_key',
          'api_key_last4',
          'tos_accepted_at',
          'tos_accepted_by',
          'account_number',
          'owner',
          'created_by',
          'updated_by',
          'verified_at',
          'created_at',
          'updated_at',
          'row_version',
        ].sort(),
      );
      const got = await call('staff', 'GET', res.headers.location as string);
      expect(got.statusCode).toBe(200);
      expect(got.json()).toEqual(body);
      const [history] = await ds.query(`SELECT action, changed_by FROM provider_history WHERE provider_id = $1`, [
        body.id,
      ]);
      expect(history.action).toBe('create');
    });

    it.each([
      ['a superuser with a profile there', 'root', 'acme', 201],
      ['staff of another account', 'globexstaff', 'acme', 404],
      ['a non-staff member', 'member', 'acme', 403],
      ['a user without a profile', 'loner', 'acme', 404],
      ['staff in the platform account', 'platformstaff', 'platform', 201],
      ['anyone, in an account that does not exist', 'root', '0000-0000-0000', 404],
    ])('%s: %i', async (_case, who, account, status) => {
      const number = acct[account]?.number ?? account;
      const res = await call(who, 'POST', '/api/v1/providers', { account_number: number, name: `by ${who}` });
      expect(res.statusCode).toBe(status);
      if (status === 404) expect(res.json().code).toBe('account_not_found');
    });

    it('a user made inactive after signing in is refused on every route (401)', async () => {
      const id = await providerOf('napper@acme');
      await ds.query(`UPDATE users SET is_active = false WHERE username = 'napper'`);
      for (const [method, url, payload] of [
        ['POST', '/api/v1/providers', { account_number: acct.acme.number, name: 'x' }],
        ['GET', '/api/v1/providers', undefined],
        ['GET', `/api/v1/providers/${id}`, undefined],
        ['PATCH', `/api/v1/providers/${id}`, { description: 'x' }],
        ['DELETE', `/api/v1/providers/${id}`, undefined],
      ] as const) {
        expect((await call('napper', method, url, payload)).statusCode).toBe(401);
      }
    });

    it('lists every problem with its field, and refuses unknown fields', async () => {
      const res = await call('staff', 'POST', '/api/v1/providers', {
        account_number: acct.acme.number,
        name: '',
        base_url: 'ftp://x.example',
        website_url: 'https://x.example/#top',
        docs_url: 'https://user:pw@x.example',
        contact_email: 'not-an-email',
        connectivity_test_path: 'https://elsewhere.example/models',
        is_default: 'yes',
        api_key_ciphertext: 'sneaky',
      });
      expect(res.statusCode).toBe(400);
      const body = res.json();
      expect(body).toMatchObject({ statusCode: 400, error: 'Bad Request', code: 'validation_failed' });
      const fields = new Set(body.problems.map((p: { field: string }) => p.field));
      expect([...fields].sort()).toEqual(
        [
          'name',
          'base_url',
          'website_url',
          'docs_url',
          'contact_email',
          'connectivity_test_path',
          'is_default',
          'api_key_ciphertext',
        ].sort(),
      );
      expect(body.problems).toContainEqual({ field: 'website_url', message: 'must not contain a fragment (#…)' });
    });

    it('a body that is not an object is 400', async () => {
      const res = await call('staff', 'POST', '/api/v1/providers', [1, 2], { 'content-type': 'application/json' });
      expect(res.statusCode).toBe(400);
      expect(res.json().code).toBe('validation_failed');
    });

    it('two creates of the same name at once: one 201, one 409', async () => {
      const body = { account_number: acct.acme.number, name: 'Twice' };
      const answers = await Promise.all([
        call('staff', 'POST', '/api/v1/providers', body),
        call('staff', 'POST', '/api/v1/providers', body),
      ]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([201, 409]);
      expect(answers.find((r) => r.statusCode === 409)!.json().code).toBe('provider_name_taken');
    });

    it('cookie calls need the CSRF header', async () => {
      const body = { account_number: acct.acme.number, name: 'By cookie' };
      const without = await t.inject({
        method: 'POST',
        url: '/api/v1/providers',
        headers: { cookie: s.staff.cookies },
        payload: body,
      });
      expect(without.statusCode).toBe(403);
      const withHeader = await t.inject({
        method: 'POST',
        url: '/api/v1/providers',
        headers: s.staff.browser,
        payload: body,
      });
      expect(withHeader.statusCode).toBe(201);
    });
  });

  describe('names are stored exactly as written', () => {
    it.each(AWKWARD)('%j: created, read back, found by q, renamed and history kept verbatim', async (name) => {
      const created = await call('staff', 'POST', '/api/v1/providers', { account_number: acct.acme.number, name });
      expect(created.statusCode).toBe(201);
      const id = created.json().id;
      expect((await call('staff', 'GET', `/api/v1/providers/${id}`)).json().name).toBe(name);
      const found = await call('staff', 'GET', `/api/v1/providers?limit=500&q=${encodeURIComponent(name)}`);
      expect(found.json().items.map((p: { name: string }) => p.name)).toContain(name);
      const renamed = await call('staff', 'PATCH', `/api/v1/providers/${id}`, { name: `${name}!` });
      expect(renamed.json().name).toBe(`${name}!`);
      const [entry] = (await call('staff', 'GET', `/api/v1/providers/${id}/history`)).json().items;
      expect(entry).toMatchObject({ field: 'name', old_value: name, new_value: `${name}!` });
    });
  });

  describe('the ownership rule on every manage route', () => {
    // [caller, expected status] for a provider owned by `owner` in acme.
    const cases: [string, number][] = [
      ['root', 200],
      ['staff', 200],
      ['owner', 200],
      ['member', 403],
      ['globexstaff', 404],
      ['outsider', 404],
      ['loner', 404],
      ['platformstaff', 404],
    ];
    const routes: [string, (id: number, who: string) => [string, string, unknown?]][] = [
      ['PATCH', (id, who) => ['PATCH', `/api/v1/providers/${id}`, { description: `by ${who}` }]],
      ['PUT api-key', (id) => ['PUT', `/api/v1/providers/${id}/api-key`, { api_key: SECRET_KEY }]],
      ['DELETE api-key', (id) => ['DELETE', `/api/v1/providers/${id}/api-key`]],
      ['POST terms/accept', (id) => ['POST', `/api/v1/providers/${id}/terms/accept`]],
      ['GET history', (id) => ['GET', `/api/v1/providers/${id}/history`]],
      ['DELETE', (id) => ['DELETE', `/api/v1/providers/${id}`]],
    ];
    for (const [route, request] of routes) {
      it.each(cases)(`${route} by %s: %i`, async (who, status) => {
        const id = await providerOf('owner@acme');
        const [method, url, payload] = request(id, who);
        const res = await call(who, method as 'GET', url, payload);
        const ok = method === 'DELETE' || method === 'PUT' ? 204 : 200;
        expect(res.statusCode).toBe(status === 200 ? ok : status);
        if (status === 404) expect(res.json().code).toBe('provider_not_found');
        if (status === 403) expect(res.json().code).toBe('action_forbidden');
      });
    }

    it('a provider in the platform account is readable by acme members but only managed by its owner or superusers', async () => {
      const id = await providerOf('platformstaff@platform');
      expect((await call('member', 'GET', `/api/v1/providers/${id}`)).statusCode).toBe(200);
      expect((await call('staff', 'PATCH', `/api/v1/providers/${id}`, { description: 'x' })).statusCode).toBe(403);
      expect((await call('platformstaff', 'PATCH', `/api/v1/providers/${id}`, { description: 'y' })).statusCode).toBe(
        200,
      );
      expect((await call('root', 'PATCH', `/api/v1/providers/${id}`, { description: 'z' })).statusCode).toBe(200);
      expect((await call('loner', 'GET', `/api/v1/providers/${id}`)).statusCode).toBe(404);
    });

    it('an unknown id is 404 and a non-numeric one 400', async () => {
      expect((await call('root', 'GET', '/api/v1/providers/999999')).statusCode).toBe(404);
      expect((await call('root', 'GET', '/api/v1/providers/abc')).statusCode).toBe(400);
    });
  });

  describe('PATCH', () => {
    it('changes fields, bumps the version, records one history row per changed field', async () => {
      const id = await providerOf('owner@acme', 'Before');
      const read = await call('owner', 'GET', `/api/v1/providers/${id}`);
      const res = await call(
        'owner',
        'PATCH',
        `/api/v1/providers/${id}`,
        { name: 'After', description: '', docs_url: 'https://docs.example' },
        { 'if-match': read.headers.etag as string },
      );
      expect(res.statusCode).toBe(200);
      expect(res.json()).toMatchObject({
        name: 'After',
        docs_url: 'https://docs.example',
        row_version: 2,
        updated_by: 'owner',
      });
      expect(res.headers.etag).toBe(`"${id}.2"`);
      const history = (await call('owner', 'GET', `/api/v1/providers/${id}/history`)).json();
      expect(
        history.items.map((h: { field: string; old_value: string; new_value: string; changed_by: string }) => [
          h.field,
          h.old_value,
          h.new_value,
          h.changed_by,
        ]),
      ).toEqual(
        expect.arrayContaining([
          ['name', 'Before', 'After', 'owner'],
          ['docs_url', null, 'https://docs.example', 'owner'],
        ]),
      );
      // description was already '' : not a change.
      expect(history.items).toHaveLength(2);
      expect(history.next_cursor).toBeNull();
    });

    it('a stale If-Match is 412 and changes nothing', async () => {
      const id = await providerOf('owner@acme');
      const res = await call(
        'owner',
        'PATCH',
        `/api/v1/providers/${id}`,
        { description: 'x' },
        { 'if-match': `"${id}.7"` },
      );
      expect(res.statusCode).toBe(412);
      expect(res.json().code).toBe('precondition_failed');
      const [row] = await ds.query(`SELECT description, row_version FROM providers WHERE id = $1`, [id]);
      expect(row).toEqual({ description: '', row_version: 1 });
    });

    it('two PATCHes with the same ETag at once: one 200, one 412', async () => {
      const id = await providerOf('owner@acme');
      const etag = `"${id}.1"`;
      const answers = await Promise.all([
        call('owner', 'PATCH', `/api/v1/providers/${id}`, { description: 'first' }, { 'if-match': etag }),
        call('staff', 'PATCH', `/api/v1/providers/${id}`, { description: 'second' }, { 'if-match': etag }),
      ]);
      expect(answers.map((r) => r.statusCode).sort()).toEqual([200, 412]);
    });

    it('renaming to a name the owner already uses is 409', async () => {
      await providerOf('owner@acme', 'Taken');
      const id = await providerOf('owner@acme');
      const res = await call('owner', 'PATCH', `/api/v1/providers/${id}`, { name: 'Taken' });
      expect(res.statusCode).toBe(409);
      expect(res.json().code).toBe('provider_name_taken');
    });

    it('null is refused where the column cannot be empty, allowed where it can', async () => {
      const id = await providerOf('owner@acme');
      const bad = await call('owner', 'PATCH', `/api/v1/providers/${id}`, { name: null, is_featured: null });
      expect(bad.statusCode).toBe(400);
      const fields = new Set(bad.json().problems.map((p: { field: string }) => p.field));
      expect([...fields].sort()).toEqual(['is_featured', 'name']);
      const good = await call('owner', 'PATCH', `/api/v1/providers/${id}`, { base_url: null, website_url: null });
      expect(good.statusCode).toBe(200);
      expect(good.json().base_url).toBeNull();
    });

    it('at most one default per account, even when two are made default at once', async () => {
      const a = await providerOf('owner@acme');
      const b = await providerOf('staff@acme');
      const answers = await Promise.all([
        call('owner', 'PATCH', `/api/v1/providers/${a}`, { is_default: true }),
        call('staff', 'PATCH', `/api/v1/providers/${b}`, { is_default: true }),
      ]);
      expect(answers.map((r) => r.statusCode)).toEqual([200, 200]);
      const defaults = await ds.query(
        `SELECT p.id FROM providers p JOIN user_profiles o ON o.id = p.owner_profile_id WHERE o.account_id = $1 AND p.is_default`,
        [acct.acme.id],
      );
      expect(defaults).toHaveLength(1);
      const c = await call('staff', 'POST', '/api/v1/providers', {
        account_number: acct.acme.number,
        name: 'New default',
        is_default: true,
      });
      expect(c.statusCode).toBe(201);
      const after = await ds.query(
        `SELECT p.id FROM providers p JOIN user_profiles o ON o.id = p.owner_profile_id WHERE o.account_id = $1 AND p.is_default`,
        [acct.acme.id],
      );
      expect(after).toEqual([{ id: c.json().id }]);
    });
  });

  describe('DELETE', () => {
    it('204, the row is gone, its history is kept with a delete row', async () => {
      const id = await providerOf('owner@acme', 'Doomed');
      expect((await call('owner', 'DELETE', `/api/v1/providers/${id}`)).statusCode).toBe(204);
      expect(await ds.query(`SELECT id FROM providers WHERE id = $1`, [id])).toEqual([]);
      const rows = await ds.query(`SELECT action, old_value FROM provider_history WHERE provider_id = $1`, [id]);
      expect(rows).toEqual([{ action: 'delete', old_value: 'Doomed' }]);
      expect((await call('owner', 'GET', `/api/v1/providers/${id}`)).statusCode).toBe(404);
    });

    it('a stale If-Match is 412', async () => {
      const id = await providerOf('owner@acme');
      expect(
        (await call('owner', 'DELETE', `/api/v1/providers/${id}`, undefined, { 'if-match': '"0.0"' })).statusCode,
      ).toBe(412);
    });
  });

  describe('the API key', () => {
    it('is stored encrypted, shown as has_api_key and the last 4, recorded as "changed", never returned or logged', async () => {
      const id = await providerOf('owner@acme');
      expect((await call('owner', 'PUT', `/api/v1/providers/${id}/api-key`, { api_key: SECRET_KEY })).statusCode).toBe(
        204,
      );
      const [row] = await ds.query(`SELECT api_key_ciphertext, api_key_last4 FROM providers WHERE id = $1`, [id]);
      expect(row.api_key_ciphertext).not.toContain(SECRET_KEY);
      expect(row.api_key_ciphertext).not.toContain(SECRET_KEY.slice(0, 12));
      expect(row.api_key_last4).toBe('ABCD');

      const read = await call('owner', 'GET', `/api/v1/providers/${id}`);
      expect(read.json()).toMatchObject({ has_api_key: true, api_key_last4: 'ABCD' });
      const everything = [
        read.body,
        (await call('owner', 'GET', `/api/v1/providers?scope=manageable&limit=500`)).body,
        (await call('owner', 'GET', `/api/v1/providers/${id}/history`)).body,
        (await call('owner', 'PATCH', `/api/v1/providers/${id}`, { description: 'k' })).body,
        JSON.stringify(await ds.query(`SELECT * FROM provider_history WHERE provider_id = $1`, [id])),
      ];
      for (const text of everything) {
        expect(text).not.toContain(SECRET_KEY);
        expect(text).not.toContain(row.api_key_ciphertext);
      }
      const [set] = await ds.query(
        `SELECT field, old_value, new_value FROM provider_history WHERE provider_id = $1 AND action = 'api_key_set'`,
        [id],
      );
      expect(set).toEqual({ field: 'api_key', old_value: null, new_value: 'changed' });

      expect((await call('owner', 'DELETE', `/api/v1/providers/${id}/api-key`)).statusCode).toBe(204);
      expect((await call('owner', 'GET', `/api/v1/providers/${id}`)).json()).toMatchObject({
        has_api_key: false,
        api_key_last4: null,
      });
      expect(logs.output()).not.toContain(SECRET_KEY);
    });

    it('refuses an empty key and unknown fields', async () => {
      const id = await providerOf('owner@acme');
      const res = await call('owner', 'PUT', `/api/v1/providers/${id}/api-key`, { api_key: '', key: 'x' });
      expect(res.statusCode).toBe(400);
      expect(
        res
          .json()
          .problems.map((p: { field: string }) => p.field)
          .sort(),
      ).toEqual(['api_key', 'key']);
    });
  });

  it('terms/accept records who and when', async () => {
    const id = await providerOf('owner@acme');
    const res = await call('staff', 'POST', `/api/v1/providers/${id}/terms/accept`);
    expect(res.statusCode).toBe(200);
    expect(res.json().tos_accepted_by).toBe('staff');
    expect(Date.parse(res.json().tos_accepted_at)).not.toBeNaN();
    const history = (await call('staff', 'GET', `/api/v1/providers/${id}/history`)).json();
    expect(history.items[0]).toMatchObject({ action: 'terms_accepted', changed_by: 'staff' });
  });

  describe('the list', () => {
    it('pages by id with next_cursor, and each page is within the scope', async () => {
      const seen: number[] = [];
      let cursor: string | null = '';
      while (cursor !== null) {
        const res = await call('member', 'GET', `/api/v1/providers?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
        expect(res.statusCode).toBe(200);
        const page: { items: { id: number }[]; next_cursor: string | null } = res.json();
        expect(page.items.length).toBeLessThanOrEqual(3);
        seen.push(...page.items.map((p) => p.id));
        cursor = page.next_cursor;
      }
      const readable = await ds.query(
        `SELECT p.id FROM providers p JOIN user_profiles o ON o.id = p.owner_profile_id
          WHERE o.account_id IN ($1, $2) ORDER BY p.id`,
        [acct.acme.id, acct.platform.id],
      );
      expect(seen).toEqual(readable.map((r: { id: number }) => r.id));
    });

    it('scope=manageable gives what the caller may manage', async () => {
      const mine = await providerOf('member@acme', 'Members own');
      const res = await call('member', 'GET', '/api/v1/providers?scope=manageable&limit=500');
      const ids = res.json().items.map((p: { id: number }) => p.id);
      const owned = await ds.query(`SELECT id FROM providers WHERE owner_profile_id = $1 ORDER BY id`, [
        prof['member@acme'],
      ]);
      expect(ids).toEqual(owned.map((r: { id: number }) => r.id));
      expect(ids).toContain(mine);
    });

    it('q matches name or base URL, its wildcards literally; status and account filter', async () => {
      await f.provider(prof['owner@acme'], { name: 'Under_score 100%', baseUrl: 'https://wild.example/v1' });
      await f.provider(prof['owner@acme'], { name: 'Underxscore 1000', baseUrl: 'https://tame.example/v1' });
      const names = async (query: string) =>
        (await call('root', 'GET', `/api/v1/providers?limit=500&${query}`))
          .json()
          .items.map((p: { name: string }) => p.name);
      expect(await names(`q=${encodeURIComponent('under_score 100%')}`)).toEqual(['Under_score 100%']);
      expect(await names('q=WILD.example')).toEqual(['Under_score 100%']);
      expect(await names(`account=${acct.globex.number}`)).toEqual([]);
      expect((await names('status=verified')).length).toBe(0);
      expect((await names('status=unverified')).length).toBeGreaterThan(0);
    });

    it('refuses bad parameters with their fields', async () => {
      const res = await call('root', 'GET', '/api/v1/providers?limit=0&scope=all&status=bogus&extra=1');
      expect(res.statusCode).toBe(400);
      expect(
        res
          .json()
          .problems.map((p: { field: string }) => p.field)
          .sort(),
      ).toEqual(['extra', 'limit', 'scope', 'status']);
      expect((await call('root', 'GET', '/api/v1/providers?limit=501')).statusCode).toBe(400);
    });

    it('a user without a profile gets an empty page', async () => {
      expect((await call('loner', 'GET', '/api/v1/providers')).json()).toEqual({ items: [], next_cursor: null });
    });
  });

  it('Swagger documents every route, with its body and parameters', async () => {
    const doc = (await t.inject({ method: 'GET', url: '/docs-json' })).json();
    const operations = Object.entries(doc.paths as Record<string, Record<string, unknown>>)
      .filter(([path]) => path.startsWith('/api/v1/providers'))
      .flatMap(([path, ops]) => Object.keys(ops).map((method) => `${method.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(
      [
        'GET /api/v1/providers',
        'POST /api/v1/providers',
        'GET /api/v1/providers/{id}',
        'PATCH /api/v1/providers/{id}',
        'DELETE /api/v1/providers/{id}',
        'PUT /api/v1/providers/{id}/api-key',
        'DELETE /api/v1/providers/{id}/api-key',
        'POST /api/v1/providers/{id}/terms/accept',
        'GET /api/v1/providers/{id}/history',
        'POST /api/v1/providers/{id}/verify',
        'GET /api/v1/providers/{id}/verifications',
        'POST /api/v1/providers/{id}/activate',
        'POST /api/v1/providers/{id}/deactivate',
        'POST /api/v1/providers/{id}/suspend',
        'POST /api/v1/providers/{id}/unsuspend',
        'POST /api/v1/providers/{id}/deprecate',
      ].sort(),
    );
    const create = doc.paths['/api/v1/providers'].post;
    expect(create.requestBody.content['application/json'].schema.$ref).toMatch(/CreateProviderDto$/);
    expect(Object.keys(doc.components.schemas.CreateProviderDto.properties)).toEqual(
      expect.arrayContaining(['account_number', 'name', 'base_url', 'is_default']),
    );
    expect(doc.components.schemas.ProviderRecordDto.properties).not.toHaveProperty('api_key_ciphertext');
    expect(doc.paths['/api/v1/providers'].get.parameters.map((p: { name: string }) => p.name).sort()).toEqual([
      'account',
      'cursor',
      'limit',
      'q',
      'scope',
      'status',
    ]);
  });

  it('the seed list route is unchanged: still POST only, with 405 for the others', async () => {
    expect((await call('member', 'POST', '/dashboard/passthrough/api/providers/')).statusCode).toBe(200);
    const get = await call('member', 'GET', '/dashboard/passthrough/api/providers/');
    expect(get.statusCode).toBe(405);
    expect(get.headers.allow).toBe('POST');
  });
});

describe('provider management: ids and cursors out of range', () => {
  let t: TestApp;
  let session: Session;

  beforeAll(async () => {
    t = await startTestApp();
    await new Factories(t.app.get(DataSource)).user({ username: 'root', isSuperuser: true });
    session = await loginAs(t, 'root');
  });
  afterAll(() => t?.close());

  it.each([
    ['GET', '/api/v1/providers/99999999999', 404],
    ['PATCH', '/api/v1/providers/99999999999', 404],
    ['GET', '/api/v1/providers/-1', 404],
    ['GET', '/api/v1/providers?cursor=99999999999', 400],
    ['GET', '/api/v1/providers/1/history?cursor=99999999999999999999', 400],
  ] as const)('%s %s: %i, never 500', async (method, url, status) => {
    const res = await t.inject({
      method,
      url,
      headers: session.bearer,
      ...(method === 'PATCH' ? { payload: {} } : {}),
    });
    expect(res.statusCode).toBe(status);
  });
});
