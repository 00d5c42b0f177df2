import fc from 'fast-check';
import { DataSource } from 'typeorm';
import { DomainError } from '../src/common/domain-error.js';
import { ProviderManagementService } from '../src/providers/management/provider-management.service.js';
import type { AuthUser } from '../src/users/auth-user.js';
import { insertRowWorld, rowWorldArbitrary, type RowWorld } from './support/random-world.js';
import { startTestApp, type TestApp } from './support/test-app.js';

/**
 * Smarter's management rule, written from its statement (issue 11, "Who may do what") over the
 * world's rows alone: for each user, the status a write on each provider gets, and the status a
 * create in each account gets. Inactive users never reach the service (the guard answers 401).
 */
function reference(world: RowWorld) {
  const platform = new Set(world.accounts.flatMap((a, i) => (a.isPlatform ? [i] : [])));
  return world.users.map((u, ui) => {
    const mine = new Set(u.accounts);
    const reads = (owner: [number, number]) =>
      u.isActive && (u.isSuperuser || (mine.size > 0 && (mine.has(owner[1]) || platform.has(owner[1]))));
    const manages = (owner: [number, number]) =>
      u.isActive && (u.isSuperuser || (u.isStaff ? mine.has(owner[1]) : owner[0] === ui));
    return {
      write: world.providers.map((p) => (manages(p.owner) ? 200 : reads(p.owner) ? 403 : 404)),
      create: world.accounts.map((_, ai) =>
        mine.has(ai) ? (u.isStaff || u.isSuperuser ? 201 : 403) : u.isSuperuser ? 403 : 404,
      ),
    };
  });
}

describe('management routes agree with a reference model of the rule on generated worlds', () => {
  let t: TestApp;
  let ds: DataSource;
  let management: ProviderManagementService;

  beforeAll(async () => {
    t = await startTestApp();
    ds = t.app.get(DataSource);
    management = t.app.get(ProviderManagementService);
  });
  afterAll(() => t?.close());

  const statusOf = async (write: () => Promise<unknown>, ok: number): Promise<number> => {
    try {
      await write();
      return ok;
    } catch (err) {
      if (err instanceof DomainError) return err.status;
      throw err;
    }
  };

  it('scope=manageable, and the 200/403/404 of a PATCH and the 201/403/404 of a create', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(rowWorldArbitrary, async (world) => {
        run++;
        const { userIds, providerIds } = await insertRowWorld({ db: t.db, ds }, world);
        const expected = reference(world);
        const users = world.users.map((u, ui): AuthUser => ({
          id: userIds[ui],
          username: `user-${ui}`,
          email: '',
          isSuperuser: u.isSuperuser,
          isStaff: u.isStaff ?? false,
          isActive: u.isActive,
        }));
        const contextOf = (ui: number) => `user ${ui} ${JSON.stringify(world.users[ui])}`;
        // Reads first, writes after: the creates below add providers that the lists would show.
        for (const [ui, user] of users.entries()) {
          const context = contextOf(ui);
          const manageable = (await management.list(user, { scope: 'manageable', limit: 500 })).items.map((p) => p.id);
          const want = expected[ui].write.flatMap((status, pi) => (status === 200 ? [providerIds[pi]] : []));
          expect({ context, manageable }).toEqual({ context, manageable: want });
        }
        for (const [ui, user] of users.entries()) {
          if (!user.isActive) continue;
          const context = contextOf(ui);
          const writes = [];
          for (const id of providerIds) {
            writes.push(await statusOf(() => management.update(user, id, { description: `run ${run} by ${ui}` }), 200));
          }
          expect({ context, writes }).toEqual({ context, writes: expected[ui].write });
        }
        for (const [ui, user] of users.entries()) {
          if (!user.isActive) continue;
          const context = contextOf(ui);
          const creates = [];
          for (const ai of world.accounts.keys()) {
            const create = () => management.create(user, { account_number: `acct-${ai}`, name: `new by ${ui}` });
            creates.push(await statusOf(create, 201));
          }
          expect({ context, creates }).toEqual({ context, creates: expected[ui].create });
        }
      }),
      { numRuns: 30 },
    );
  }, 120_000);
});
