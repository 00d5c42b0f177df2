import { DataSource } from 'typeorm';
import { WorldImportService } from '../src/world/world-import.service.js';
import type { WorldFile } from '../src/world/world.types.js';
import { loginAs, type Session } from './support/auth.js';
import { AWKWARD } from './support/awkward-strings.js';
import { startTestApp, type TestApp } from './support/test-app.js';

const PROVIDERS = '/dashboard/passthrough/api/providers/';

/** Users too (each one's password is hashed at import: a few, to keep the test quick). */
const AWKWARD_USERS = [0, 1, 2, 3, 9, 10].map((i) => AWKWARD[i]);

/** Base URLs that are valid (no credentials) but full of characters that need care. */
const AWKWARD_URLS = [
  'https://api.example.test/v1/%F0%9F%A4%96?q=100%25&sort=a_b',
  'https://api.example.test/ä/ö?name=O%27Brien',
  'https://api.example.test/v1/\'quoted\'/"double"',
  'https://xn--n3h.example.test/v1',
  'http://127.0.0.1:8080/v1;matrix=1#fragment',
];

/**
 * What goes in through a world file comes out of the API exactly: the names and base URLs in
 * the list, a user's name and email in /auth/me, and a password made of the same characters
 * still signs in. (The import side, descriptions included, is in world-import.e2e-spec.ts.)
 */
describe('awkward text round-trips through the import and the API', () => {
  let t: TestApp;
  let world: WorldFile;
  const owner = { username: 'root', accountNumber: 'acct-1' };

  beforeAll(async () => {
    t = await startTestApp();
    world = {
      version: 1,
      accounts: [{ accountNumber: 'acct-1', name: 'Account' }],
      users: [
        { username: 'root', password: 'pw-root', isSuperuser: true, accounts: ['acct-1'] },
        ...AWKWARD_USERS.map((text, i) => ({
          username: `${text} ${i}`,
          email: text,
          password: text,
          accounts: ['acct-1'],
        })),
      ],
      providers: [
        ...AWKWARD.map((name, i) => ({
          name,
          description: name,
          baseUrl: AWKWARD_URLS[i % AWKWARD_URLS.length],
          owner,
        })),
        ...AWKWARD_URLS.map((baseUrl, i) => ({ name: `url ${i}`, baseUrl, owner })),
      ],
    };
    await t.app.get(WorldImportService).importWorld(world);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the providers list gives back every name and base URL exactly, in id order', async () => {
    const root = await loginAs(t, 'root');
    const res = await t.inject({ method: 'POST', url: PROVIDERS, headers: root.bearer });
    expect(res.statusCode).toBe(200);
    const listed: { id: number; name: string; base_url: string | null }[] = res.json().providers;
    const stored: { id: number; name: string; base_url: string | null }[] = await t.app
      .get(DataSource)
      .query('SELECT id, name, base_url FROM providers ORDER BY id');
    expect(listed).toEqual(stored);
    expect(listed.map((p) => [p.name, p.base_url])).toEqual(world.providers.map((p) => [p.name, p.baseUrl]));
    // Served as JSON that no browser will sniff into a page, whatever a name holds.
    expect(res.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it.each(AWKWARD_USERS.map((text, i) => [JSON.stringify(text), text, i] as const))(
    'a user named %s signs in with that text as a password, and /auth/me gives the name and email back',
    async (_name, text, i) => {
      const session: Session = await loginAs(t, `${text} ${i}`, text);
      const me = await t.inject({ method: 'GET', url: '/auth/me', headers: session.bearer });
      expect(me.statusCode).toBe(200);
      expect(me.json()).toMatchObject({ username: `${text} ${i}`, email: text, accounts: ['acct-1'] });
    },
  );

  it('a name that only looks like another (case, spacing, composition) is another user', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: `${AWKWARD[0].toUpperCase()} 0`, password: AWKWARD[0] },
    });
    expect(res.statusCode).toBe(401);
    const padded = await t.inject({
      method: 'POST',
      url: '/auth/login',
      payload: { username: `${AWKWARD[0]} 0 `, password: AWKWARD[0] },
    });
    expect(padded.statusCode).toBe(401);
  });
});
