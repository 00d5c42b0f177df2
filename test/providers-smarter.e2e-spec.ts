import { DataSource } from 'typeorm';
import { readScope, type ReadSubject } from '../src/permissions/access-scopes.js';
import { providerSlug } from '../src/providers/provider-slug.js';
import { ProvidersService } from '../src/providers/providers.service.js';
import { loginAs, type Session } from './support/auth.js';
import { Factories } from './support/factories.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const URL = '/dashboard/passthrough/api/providers/';
const SECRET_KEY = 'sk-smarter-format-0123456789abcdef';

/**
 * Every field Smarter's dashboard app (@smarter/prompt-passthrough 0.2.4) reads, as issue 13
 * lists them, in the order the format writes them.
 */
const SMARTER_FIELDS = [
  'id',
  'name',
  'description',
  'version',
  'status',
  'rfc1034CompliantName',
  'isDefault',
  'defaultModel',
  'baseUrl',
  'connectivityTestPath',
  'logo',
  'websiteUrl',
  'docsUrl',
  'termsOfServiceUrl',
  'privacyPolicyUrl',
  'isActive',
  'isVerified',
  'isFeatured',
  'isOfficialProvider',
  'isDeprecated',
  'isFlagged',
  'isSuspended',
  'apiKey',
  'userProfile',
  'tosAccepted',
  'tosAcceptedBy',
  'tosAcceptedAt',
  'ownershipRequested',
  'contactEmail',
  'contactEmailVerified',
  'supportEmail',
  'supportEmailVerified',
  'createdAt',
  'updatedAt',
  'tags',
  'annotations',
];

type SmarterProvider = Record<string, unknown> & { id: number; name: string };

describe('PROVIDERS_LIST_FORMAT=smarter: the list in Smarter’s representation', () => {
  let t: TestApp;
  let db: DataSource;
  const sessions: Record<string, Session> = {};
  const subjects: Record<string, ReadSubject> = {};
  let gatewayId: number;
  let bareId: number;
  let officialId: number;

  beforeAll(async () => {
    t = await startTestApp({ PROVIDERS_LIST_FORMAT: 'smarter' });
    db = t.app.get(DataSource);
    const f = new Factories(db);
    const platform = await f.account({ accountNumber: '0000-0000-0000', isPlatform: true });
    const acme = await f.account({ accountNumber: '1000-0000-0001' });
    const globex = await f.account({ accountNumber: '2000-0000-0002' });
    const ids: Record<string, number> = {
      root: await f.user({ username: 'root', isSuperuser: true, isStaff: true }),
      sid: await f.user({ username: 'sid', isStaff: true, email: 'sid@acme.test' }),
      alice: await f.user({ username: 'alice' }),
      carol: await f.user({ username: 'carol' }),
      gina: await f.user({ username: 'gina' }),
      dave: await f.user({ username: 'dave' }),
    };
    const rootProfile = await f.profile(ids.root, platform);
    await f.profile(ids.sid, acme);
    const aliceProfile = await f.profile(ids.alice, acme);
    await f.profile(ids.carol, acme);
    await f.profile(ids.carol, globex);
    const ginaProfile = await f.profile(ids.gina, globex);
    officialId = await f.provider(rootProfile, { name: 'OpenAI', baseUrl: 'https://api.openai.com/v1' });
    bareId = await f.provider(aliceProfile, { name: 'In-house (no key) #2', baseUrl: null });
    await f.provider(ginaProfile, { name: 'globex-only' });
    const suspended = await f.provider(ginaProfile, { name: 'suspended one' });
    const deprecated = await f.provider(aliceProfile, { name: 'deprecated one' });
    await db.query(`UPDATE providers SET status = 'suspended', is_active = false WHERE id = $1`, [suspended]);
    await db.query(`UPDATE providers SET status = 'deprecated', is_active = false WHERE id = $1`, [deprecated]);
    for (const [username, id] of Object.entries(ids)) {
      sessions[username] = await loginAs(t, username);
      subjects[username] = { id, isSuperuser: username === 'root', isActive: true };
    }

    // The fully described provider, made through the management API as its staff would.
    const created = await t.inject({
      method: 'POST',
      url: '/api/v1/providers',
      headers: sessions.sid.bearer,
      payload: {
        account_number: '1000-0000-0001',
        name: 'Acme gateway',
        description: 'Our own gateway',
        base_url: 'https://gateway.acme.test/v1',
        default_model: 'gpt-4o-mini',
        connectivity_test_path: 'models',
        website_url: 'https://acme.test/',
        docs_url: 'https://acme.test/docs',
        terms_of_service_url: 'https://acme.test/terms',
        privacy_policy_url: 'https://acme.test/privacy',
        contact_email: 'llm@acme.test',
        support_email: 'help@acme.test',
        is_featured: true,
        is_default: true,
      },
    });
    expect(created.statusCode).toBe(201);
    gatewayId = created.json().id;
    const key = await t.inject({
      method: 'PUT',
      url: `/api/v1/providers/${gatewayId}/api-key`,
      headers: sessions.sid.bearer,
      payload: { api_key: SECRET_KEY },
    });
    expect(key.statusCode).toBe(204);
    const terms = await t.inject({
      method: 'POST',
      url: `/api/v1/providers/${gatewayId}/terms/accept`,
      headers: sessions.sid.bearer,
    });
    expect(terms.statusCode).toBe(200);
  });
  afterAll(async () => {
    await t?.close();
  });

  const list = async (username: string): Promise<SmarterProvider[]> => {
    const res = await t.inject({ method: 'POST', url: URL, headers: sessions[username].bearer });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    const body = res.json();
    expect(Object.keys(body)).toEqual(['providers']);
    return body.providers;
  };
  const find = (providers: SmarterProvider[], id: number) => providers.find((p) => p.id === id)!;

  it('answers { providers: [...] }, every provider with every field the app reads, in one order', async () => {
    const providers = await list('carol');
    expect(providers.length).toBeGreaterThan(0);
    for (const p of providers) expect(Object.keys(p)).toEqual(SMARTER_FIELDS);
  });

  it('a provider with every field set: its record’s values, camelCase, and never the key', async () => {
    const record = (
      await t.inject({ method: 'GET', url: `/api/v1/providers/${gatewayId}`, headers: sessions.sid.bearer })
    ).json();
    const res = await t.inject({ method: 'POST', url: URL, headers: sessions.carol.bearer });
    expect(res.body).not.toContain(SECRET_KEY);
    expect(res.body).not.toContain(SECRET_KEY.slice(0, 12));
    expect(res.body).not.toMatch(/ciphertext|password/i);
    expect(find(res.json().providers, gatewayId)).toEqual({
      id: gatewayId,
      name: 'Acme gateway',
      description: 'Our own gateway',
      version: String(record.row_version),
      status: 'unverified',
      rfc1034CompliantName: 'acme-gateway',
      isDefault: true,
      defaultModel: 'gpt-4o-mini',
      baseUrl: 'https://gateway.acme.test/v1',
      connectivityTestPath: 'models',
      logo: null,
      websiteUrl: 'https://acme.test/',
      docsUrl: 'https://acme.test/docs',
      termsOfServiceUrl: 'https://acme.test/terms',
      privacyPolicyUrl: 'https://acme.test/privacy',
      isActive: false,
      isVerified: false,
      isFeatured: true,
      isOfficialProvider: false,
      isDeprecated: false,
      isFlagged: false,
      isSuspended: false,
      apiKey: { name: `…${SECRET_KEY.slice(-4)}` },
      userProfile: { account: { accountNumber: '1000-0000-0001' }, user: { username: 'sid', email: 'sid@acme.test' } },
      tosAccepted: true,
      tosAcceptedBy: { username: 'sid', email: 'sid@acme.test' },
      tosAcceptedAt: record.tos_accepted_at,
      ownershipRequested: null,
      contactEmail: 'llm@acme.test',
      contactEmailVerified: '',
      supportEmail: 'help@acme.test',
      supportEmailVerified: '',
      createdAt: record.created_at,
      updatedAt: record.updated_at,
      tags: [],
      annotations: [],
    });
    expect(record.api_key_last4).toBe(SECRET_KEY.slice(-4)); // apiKey.name shows no more than this
  });

  it('a provider with no key, no terms and no base URL: objects with null members, strings where the app needs them', async () => {
    const bare = find(await list('carol'), bareId);
    expect(bare).toMatchObject({
      name: 'In-house (no key) #2',
      rfc1034CompliantName: 'in-house-no-key-2',
      baseUrl: '',
      defaultModel: '',
      apiKey: { name: null },
      tosAccepted: false,
      tosAcceptedBy: { username: null, email: null },
      tosAcceptedAt: '',
      websiteUrl: null,
      contactEmail: null,
      userProfile: { account: { accountNumber: '1000-0000-0001' }, user: { username: 'alice' } },
    });
  });

  it('every provider passes the app’s filter (numeric id, string name and baseUrl)', async () => {
    for (const username of ['alice', 'carol', 'root']) {
      const providers = await list(username);
      const kept = providers.filter(
        (p) => typeof p.id === 'number' && typeof p.name === 'string' && typeof p.baseUrl === 'string',
      );
      expect(kept).toHaveLength(providers.length);
    }
  });

  it('the same providers, in the same order, as the read rule gives the mini list', async () => {
    const service = t.app.get(ProvidersService);
    for (const username of ['root', 'sid', 'alice', 'carol', 'gina', 'dave']) {
      const mini = await service.readableProviders(subjects[username]);
      expect((await list(username)).map((p) => p.id)).toEqual(mini.map((p) => p.id));
    }
    expect(await list('dave')).toEqual([]); // no profile: nothing
    expect((await list('carol')).map((p) => p.name)).toContain('globex-only');
    expect((await list('alice')).map((p) => p.name)).not.toContain('globex-only');
    expect(readScope(subjects.root).where).toBe('TRUE');
  });

  it('slug, flags and ownership from the record', async () => {
    const providers = await list('root');
    for (const p of providers) expect(p.rfc1034CompliantName).toBe(providerSlug(p.name));
    expect(providers.filter((p) => p.isOfficialProvider).map((p) => p.id)).toEqual([officialId]);
    expect(find(providers, officialId).userProfile).toEqual({
      account: { accountNumber: '0000-0000-0000' },
      user: { username: 'root', email: 'root@example.test' },
    });
    const byName = (name: string) => providers.find((p) => p.name === name)!;
    expect(byName('suspended one')).toMatchObject({ status: 'suspended', isSuspended: true, isDeprecated: false });
    expect(byName('deprecated one')).toMatchObject({ status: 'deprecated', isSuspended: false, isDeprecated: true });
    expect(providers.every((p) => p.isFlagged === false && p.logo === null)).toBe(true);
  });

  it('a cookie session from the service’s own page needs no CSRF header, as the app sends none', async () => {
    const res = await t.inject({
      method: 'POST',
      url: URL,
      headers: { cookie: sessions.carol.cookies, 'content-type': 'application/json', 'sec-fetch-site': 'same-origin' },
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().providers.map((p: SmarterProvider) => p.id)).toEqual((await list('carol')).map((p) => p.id));
  });

  it('Swagger documents both formats on the list operation', async () => {
    const doc = (await t.inject({ method: 'GET', url: '/docs-json' })).json();
    const operation = doc.paths['/dashboard/passthrough/api/providers']?.post ?? doc.paths[`${URL}`]?.post;
    const schema = operation.responses['200'].content['application/json'].schema;
    expect(schema.oneOf).toEqual([
      { $ref: '#/components/schemas/ProvidersListDto' },
      { $ref: '#/components/schemas/ProvidersSmarterListDto' },
    ]);
    expect(Object.keys(doc.components.schemas.ProviderMiniDto.properties)).toEqual(['id', 'name', 'base_url']);
    expect(Object.keys(doc.components.schemas.ProviderSmarterDto.properties)).toEqual(SMARTER_FIELDS);
  });
});

describe('PROVIDERS_LIST_FORMAT unset: the mini list, unchanged', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
    const f = new Factories(t.app.get(DataSource));
    await f.provider(await f.profile(await f.user({ username: 'alice' }), await f.account()), { name: 'Acme gw' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('answers exactly { providers: [{ id, name, base_url }] }', async () => {
    expect(t.config.PROVIDERS_LIST_FORMAT).toBe('mini');
    const alice = await loginAs(t, 'alice');
    const res = await t.inject({ method: 'POST', url: URL, headers: alice.bearer });
    expect(res.json()).toEqual({
      providers: [{ id: expect.any(Number), name: 'Acme gw', base_url: 'https://api.example.test/v1' }],
    });
  });
});
