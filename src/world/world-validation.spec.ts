import { generateWorld } from './world-generator.js';
import { MAX_REPORTED_PROBLEMS, validateWorld } from './world-validation.js';
import type { WorldFile, WorldProblem } from './world.types.js';

/** A small valid world; each test breaks one thing. */
function world(): WorldFile {
  return {
    version: 1,
    accounts: [
      { accountNumber: 'P', name: 'Platform', isPlatform: true },
      { accountNumber: 'A', name: 'Acme' },
    ],
    users: [
      { username: 'root', password: 'pw-root', isSuperuser: true, accounts: ['P'] },
      { username: 'alice', password: 'pw-alice', accounts: ['A'] },
    ],
    providers: [
      { name: 'openai', baseUrl: 'https://api.openai.com/v1', owner: { username: 'root', accountNumber: 'P' } },
      { name: 'local', owner: { username: 'alice', accountNumber: 'A' } },
    ],
  };
}

function problemsOf(input: unknown): WorldProblem[] {
  const result = validateWorld(input);
  if (result.valid) throw new Error('expected the world to be rejected');
  return result.problems;
}

describe('validateWorld', () => {
  it('accepts a valid world and fills in the defaults', () => {
    const result = validateWorld(world());
    expect(result.valid).toBe(true);
    if (!result.valid) return;
    expect(result.world.accounts[1]).toEqual({ accountNumber: 'A', name: 'Acme', isPlatform: false });
    expect(result.world.users[1]).toEqual({
      username: 'alice',
      email: '',
      password: 'pw-alice',
      isSuperuser: false,
      isStaff: false,
      isActive: true,
      accounts: ['A'],
    });
    expect(result.world.providers[1]).toEqual({
      name: 'local',
      baseUrl: null,
      description: '',
      isActive: true,
      isVerified: false,
      owner: { username: 'alice', accountNumber: 'A' },
    });
  });

  it('accepts generated worlds', () => {
    expect(validateWorld(generateWorld({ seed: 3, accounts: 10, users: 60, providers: 300 })).valid).toBe(true);
  });

  it('reports a schema violation at its JSON path', () => {
    const w = world() as unknown as { providers: { owner: Record<string, unknown> }[] };
    w.providers[1].owner.accountNumber = 12;
    expect(problemsOf(w)).toEqual([{ path: 'providers[1].owner.accountNumber', message: 'must be a string' }]);
  });

  it('reports missing, unknown and mistyped fields together', () => {
    const w = world() as unknown as Record<string, Record<string, unknown>[]> & { version: unknown };
    delete w.users[0].password;
    w.accounts[1].colour = 'red';
    w.providers[0].baseUrl = 42;
    w.version = 2;
    expect(problemsOf(w)).toEqual(
      expect.arrayContaining([
        { path: 'users[0].password', message: 'is required' },
        { path: 'accounts[1].colour', message: 'is not a field of an account' },
        { path: 'providers[0].baseUrl', message: 'must be a string or null' },
        { path: 'version', message: 'must be 1' },
      ]),
    );
  });

  it('reports a document that is not a world', () => {
    expect(problemsOf([])).toEqual([{ path: '(top level)', message: 'must be an object' }]);
    expect(problemsOf({ version: 1 }).map((p) => p.path)).toEqual(['accounts', 'users', 'providers']);
  });

  it('reports an empty name and an account listed twice', () => {
    const w = world();
    w.providers[0].name = '';
    w.users[1].accounts = ['A', 'A'];
    expect(problemsOf(w)).toEqual(
      expect.arrayContaining([
        { path: 'providers[0].name', message: 'must not be empty' },
        { path: 'users[1].accounts[1]', message: 'repeats users[1].accounts[0]' },
      ]),
    );
  });

  it("rejects an owner that is not one of the user's profiles", () => {
    const w = world();
    w.providers[1].owner = { username: 'alice', accountNumber: 'P' };
    expect(problemsOf(w)).toEqual([
      {
        path: 'providers[1].owner.accountNumber',
        message: expect.stringContaining('"alice" has no profile in account "P"'),
      },
    ]);
  });

  it('rejects unknown owners and accounts', () => {
    const w = world();
    w.users[1].accounts = ['A', 'nope'];
    w.providers.push({ name: 'x', owner: { username: 'mallory', accountNumber: 'A' } });
    w.providers.push({ name: 'y', owner: { username: 'alice', accountNumber: 'gone' } });
    expect(problemsOf(w)).toEqual([
      { path: 'users[1].accounts[1]', message: 'unknown account "nope" (not in accounts)' },
      { path: 'providers[2].owner.username', message: 'unknown user "mallory" (not in users)' },
      { path: 'providers[3].owner.accountNumber', message: 'unknown account "gone" (not in accounts)' },
    ]);
  });

  it('rejects duplicate account numbers and usernames', () => {
    const w = world();
    w.accounts.push({ accountNumber: 'A', name: 'Acme again' });
    w.users.push({ username: 'alice', password: 'x' });
    expect(problemsOf(w)).toEqual([
      { path: 'accounts[2].accountNumber', message: '"A" is already used by accounts[1]' },
      { path: 'users[2].username', message: '"alice" is already used by users[1]' },
    ]);
  });

  it('rejects a duplicate provider name for one owner, exactly as written', () => {
    const w = world();
    const owner = { username: 'alice', accountNumber: 'A' };
    w.providers.push({ name: 'Local', owner }, { name: 'local ', owner }, { name: 'local', owner });
    // Another owner may use the same name.
    w.providers.push({ name: 'local', owner: { username: 'root', accountNumber: 'P' } });
    expect(problemsOf(w)).toEqual([
      {
        path: 'providers[4].name',
        message: expect.stringContaining('"local" is already used by providers[1] for the same owner'),
      },
    ]);
  });

  it('rejects bad base URLs with their path', () => {
    const w = world();
    const bad = [
      'api.openai.com/v1',
      '/v1',
      'ftp://files.example.com',
      'javascript:alert(1)',
      ' https://x.test',
      'https://user:secret@x.test/v1',
    ];
    for (const baseUrl of bad)
      w.providers.push({ name: baseUrl, baseUrl, owner: { username: 'root', accountNumber: 'P' } });
    expect(problemsOf(w).map((p) => p.path)).toEqual(bad.map((_, i) => `providers[${i + 2}].baseUrl`));
  });

  it('rejects strings PostgreSQL cannot store as written, and values over the column sizes', () => {
    const w = world();
    w.accounts[1].name = 'Ac\u0000me';
    w.users[1].email = 'broken\ud800@acme.test';
    w.providers[1].name = 'x'.repeat(201);
    expect(problemsOf(w)).toEqual([
      { path: 'accounts[1].name', message: expect.stringContaining('NUL') },
      { path: 'users[1].email', message: expect.stringContaining('lone surrogate') },
      { path: 'providers[1].name', message: 'is longer than 200 characters' },
    ]);
  });

  it('counts characters, not UTF-16 units, against the limits', () => {
    const w = world();
    w.providers[1].name = '🤖'.repeat(200);
    expect(validateWorld(w).valid).toBe(true);
  });

  it(`reports the first ${MAX_REPORTED_PROBLEMS} problems and counts the rest`, () => {
    const w = world();
    for (let i = 0; i < 30; i++) w.providers.push({ name: `p${i}`, owner: { username: 'nobody', accountNumber: 'A' } });
    const result = validateWorld(w);
    expect(result).toMatchObject({ valid: false, omitted: 10 });
    if (!result.valid) expect(result.problems).toHaveLength(MAX_REPORTED_PROBLEMS);
  });
});
