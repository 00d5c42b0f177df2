import { validateWorld } from './world-validation.js';
import type { WorldFile, WorldFileProvider, WorldProblem } from './world.types.js';

function worldWith(...providers: Partial<WorldFileProvider>[]): WorldFile {
  return {
    version: 1,
    accounts: [{ accountNumber: 'A', name: 'Acme' }],
    users: [{ username: 'alice', password: 'pw-alice', accounts: ['A'] }],
    providers: providers.map((p, i) => ({ name: `p${i}`, owner: { username: 'alice', accountNumber: 'A' }, ...p })),
  };
}

function problemsOf(input: WorldFile): WorldProblem[] {
  const result = validateWorld(input);
  if (result.valid) throw new Error('expected the world to be rejected');
  return result.problems;
}

describe('validateWorld: the provider record fields', () => {
  it('accepts every field and keeps them as written', () => {
    const fields: Partial<WorldFileProvider> = {
      defaultModel: 'gpt-4o-mini',
      connectivityTestPath: 'models',
      websiteUrl: 'https://openai.com',
      docsUrl: 'https://platform.openai.com/docs',
      termsOfServiceUrl: 'https://openai.com/policies/terms',
      privacyPolicyUrl: null,
      contactEmail: 'api@openai.example',
      supportEmail: null,
      status: 'verified',
      isFeatured: true,
      isDefault: true,
    };
    const result = validateWorld(worldWith(fields));
    expect(result.valid).toBe(true);
    if (result.valid) expect(result.world.providers[0]).toMatchObject(fields);
  });

  it('reports each bad field at its path', () => {
    const problems = problemsOf(
      worldWith({
        connectivityTestPath: '../admin',
        websiteUrl: 'https://x.example/#frag',
        docsUrl: 'mailto:x@example.com',
        contactEmail: 'not an email',
        defaultModel: 'm'.repeat(201),
      }),
    );
    expect(problems.map((p) => p.path).sort()).toEqual(
      [
        'providers[0].connectivityTestPath',
        'providers[0].contactEmail',
        'providers[0].defaultModel',
        'providers[0].docsUrl',
        'providers[0].websiteUrl',
      ].sort(),
    );
  });

  it('refuses an unknown status, through the schema', () => {
    const world = worldWith({});
    (world.providers[0] as unknown as Record<string, unknown>).status = 'great';
    expect(problemsOf(world).map((p) => p.path)).toEqual(['providers[0].status']);
  });

  it('refuses two defaults in one account', () => {
    const problems = problemsOf(worldWith({ isDefault: true }, { isDefault: false }, { isDefault: true }));
    expect(problems).toEqual([{ path: 'providers[2].isDefault', message: expect.stringContaining('providers[0]') }]);
  });
});
