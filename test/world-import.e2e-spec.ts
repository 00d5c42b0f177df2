import type { DataSource } from 'typeorm';
import { verifyPassword } from '../src/auth/password-hashing.js';
import { generateWorld } from '../src/world/world-generator.js';
import { WorldImportRepository } from '../src/world/world-import.repository.js';
import { WorldImportService, WorldRejectedError } from '../src/world/world-import.service.js';
import type { WorldFile } from '../src/world/world.types.js';
import {
  emptyTables,
  migratedDataSource,
  snapshotTables,
  type MigratedDataSource,
  type TableSnapshot as Snapshot,
} from './support/test-database.js';
import { AWKWARD } from './support/awkward-strings.js';

describe('world import (service, PostgreSQL)', () => {
  let database: MigratedDataSource;
  let ds: DataSource;
  let importer: WorldImportService;

  beforeAll(async () => {
    database = await migratedDataSource({ statementTimeoutMs: 20_000 });
    ds = database.ds;
    importer = new WorldImportService(new WorldImportRepository(ds));
  });
  afterAll(async () => {
    await database?.close();
  });

  /** Every row of every table the import writes, in id order. */
  const snapshot = (): Promise<Snapshot> => snapshotTables((sql) => ds.query(sql));

  const emptyDatabase = (): Promise<void> => emptyTables(ds, database.db);

  const clone = (w: WorldFile): WorldFile => structuredClone(w);
  const base = generateWorld({ seed: 11, accounts: 6, users: 24, providers: 90, platformProviders: 5 });

  describe('a generated world', () => {
    beforeAll(emptyDatabase);

    it('imports, storing passwords only as argon2id hashes', async () => {
      const summary = await importer.importWorld(base);
      const profiles = base.users.reduce((n, u) => n + (u.accounts?.length ?? 0), 0);
      expect(summary).toMatchObject({
        accounts: { created: 6, updated: 0, unchanged: 0 },
        users: { created: 24, updated: 0, unchanged: 0 },
        profiles: { created: profiles, removed: 0, unchanged: 0 },
        providers: { created: 90, updated: 0, unchanged: 0 },
        passwords: { hashed: 24, kept: 0 },
      });

      const users: { username: string; password_hash: string }[] = await ds.query(
        `SELECT username, password_hash FROM users`,
      );
      expect(users).toHaveLength(24);
      for (const u of users) {
        expect(u.password_hash).toMatch(/^\$argon2id\$/);
        expect(u.password_hash).not.toContain(`pw-${u.username}`);
      }
      await expect(verifyPassword(users[3].password_hash, `pw-${users[3].username}`)).resolves.toBe(true);

      const rows: Record<string, unknown>[] = await ds.query(`
        SELECT u.username, a.account_number, p.name, p.description, p.base_url, p.is_active, p.is_verified
          FROM providers p JOIN user_profiles up ON up.id = p.owner_profile_id
          JOIN users u ON u.id = up.user_id JOIN accounts a ON a.id = up.account_id`);
      const key = (x: { username: string; account_number: string; name: string }) =>
        JSON.stringify([x.username, x.account_number, x.name]);
      const stored = new Map(rows.map((r) => [key(r as never), r]));
      for (const p of base.providers) {
        expect(
          stored.get(key({ username: p.owner.username, account_number: p.owner.accountNumber, name: p.name })),
        ).toEqual({
          username: p.owner.username,
          account_number: p.owner.accountNumber,
          name: p.name,
          description: p.description ?? '',
          base_url: p.baseUrl ?? null,
          is_active: p.isActive ?? true,
          is_verified: p.isVerified ?? false,
        });
      }
    });

    it('re-imports idempotently: same rows, same updated_at, same password hashes', async () => {
      const before = await snapshot();
      const summary = await importer.importWorld(clone(base));
      expect(summary).toMatchObject({
        accounts: { created: 0, updated: 0, unchanged: 6 },
        users: { created: 0, updated: 0, unchanged: 24 },
        profiles: { created: 0, removed: 0 },
        providers: { created: 0, updated: 0, unchanged: 90 },
        passwords: { hashed: 0, kept: 24 },
      });
      expect(await snapshot()).toEqual(before);
    });

    it('a changed file updates exactly what changed', async () => {
      const before = await snapshot();
      const changed = clone(base);
      changed.accounts[2].name = 'Renamed Ltd';
      const pwUser = changed.users[4];
      pwUser.password = 'a new password';
      changed.users[5].email = 'new@example.test';
      // A customer with a profile but no providers: dropping their accounts removes the profile.
      const owners = new Set(changed.providers.map((p) => p.owner.username));
      const leaver = changed.users.find((u) => !owners.has(u.username) && (u.accounts?.length ?? 0) > 0 && !u.isStaff)!;
      const leaverProfiles = leaver.accounts!.length;
      leaver.accounts = [];
      changed.providers[7].description = 'changed description';
      changed.providers[8].baseUrl = null;
      changed.providers.push({
        name: 'brand-new',
        baseUrl: 'https://new.example.test/v1',
        owner: changed.providers[9].owner,
      });

      const summary = await importer.importWorld(changed);
      expect(summary).toMatchObject({
        accounts: { created: 0, updated: 1, unchanged: 5 },
        users: { created: 0, updated: 2, unchanged: 22 },
        profiles: { created: 0, removed: leaverProfiles },
        providers: { created: 1, updated: 2, unchanged: 88 },
        passwords: { hashed: 1, kept: 23 },
      });

      const after = await snapshot();
      const moved = (table: keyof Snapshot) =>
        after[table]
          .filter((row) => {
            const old = before[table].find((r) => r.id === row.id);
            return !old || (old.updated_at as Date).getTime() !== (row.updated_at as Date).getTime();
          })
          .map((row) => row.id);
      const idOf = async (sql: string, params: unknown[]) => ((await ds.query(sql, params)) as { id: number }[])[0].id;

      expect(moved('accounts')).toEqual([
        await idOf(`SELECT id FROM accounts WHERE account_number = $1`, [changed.accounts[2].accountNumber]),
      ]);
      const changedUsers = [pwUser.username, changed.users[5].username];
      expect(moved('users').sort()).toEqual(
        ((await ds.query(`SELECT id FROM users WHERE username = ANY($1)`, [changedUsers])) as { id: number }[])
          .map((r) => r.id)
          .sort(),
      );
      expect(moved('providers')).toHaveLength(3);
      // Rows that did not change are exactly as they were, hashes included.
      const unchangedUsers = after.users.filter((u) => !changedUsers.includes(u.username as string));
      expect(unchangedUsers).toEqual(before.users.filter((u) => !changedUsers.includes(u.username as string)));
      const newHash = after.users.find((u) => u.username === pwUser.username)!.password_hash as string;
      await expect(verifyPassword(newHash, 'a new password')).resolves.toBe(true);
      expect(after.user_profiles).toHaveLength(before.user_profiles.length - leaverProfiles);
    });

    it('never deletes accounts, users or providers that the file leaves out', async () => {
      const before = await snapshot();
      const partial: WorldFile = { version: 1, accounts: [base.accounts[0]], users: [], providers: [] };
      await importer.importWorld(partial);
      expect(await snapshot()).toEqual(before);
    });
  });

  describe('bad files are rejected with nothing written', () => {
    let before: Snapshot;
    beforeAll(async () => {
      await emptyDatabase();
      await importer.importWorld(base);
      before = await snapshot();
    });

    /** The base world with a valid change (so a partial write would show) and one fault. */
    function broken(fault: (w: WorldFile) => void): WorldFile {
      const w = clone(base);
      w.accounts.push({ accountNumber: '9999-9999-9999', name: 'Would be new' });
      w.accounts[1].name = 'Would be renamed';
      fault(w);
      return w;
    }

    async function expectRejected(world: unknown, path: string | RegExp, message?: RegExp): Promise<void> {
      const error = await importer.importWorld(world).then(
        () => null,
        (err: unknown) => err,
      );
      expect(error).toBeInstanceOf(WorldRejectedError);
      const problems = (error as WorldRejectedError).problems;
      expect(
        problems.some(
          (p) =>
            (typeof path === 'string' ? p.path === path : path.test(p.path)) && (!message || message.test(p.message)),
        ),
      ).toBe(true);
      expect(await snapshot()).toEqual(before);
    }

    it('a schema violation, reported at its path', async () => {
      await expectRejected(
        broken((w) => ((w.providers[12].owner as unknown as Record<string, unknown>).accountNumber = 7)),
        'providers[12].owner.accountNumber',
        /must be a string/,
      );
    });

    it("an owner that is not one of the user's profiles", async () => {
      await expectRejected(
        broken((w) => {
          const p = w.providers.find((x) => x.owner.username !== 'root')!;
          p.owner = { ...p.owner, accountNumber: w.accounts[0].accountNumber };
        }),
        /^providers\[\d+\]\.owner\.accountNumber$/,
        /has no profile in account/,
      );
    });

    it('a duplicate provider name for one owner', async () => {
      await expectRejected(
        broken((w) => w.providers.push({ ...w.providers[20] })),
        `providers[${base.providers.length}].name`,
        /already used by providers\[20\]/,
      );
    });

    it('an unknown account', async () => {
      await expectRejected(
        broken((w) => w.users[3].accounts!.push('0000-nope')),
        /^users\[3\]\.accounts\[\d\]$/,
        /unknown account/,
      );
    });

    it('duplicate account numbers and usernames', async () => {
      await expectRejected(
        broken((w) => w.accounts.push({ ...w.accounts[2] })),
        /^accounts\[\d+\]\.accountNumber$/,
        /already used/,
      );
      await expectRejected(
        broken((w) => w.users.push({ ...w.users[2], accounts: [] })),
        /^users\[\d+\]\.username$/,
        /already used/,
      );
    });

    it('a base URL that is not absolute http(s)', async () => {
      await expectRejected(
        broken((w) => (w.providers[30].baseUrl = 'ftp://files.example.test')),
        'providers[30].baseUrl',
        /http or https/,
      );
      await expectRejected(
        broken((w) => (w.providers[31].baseUrl = 'api.example.test/v1')),
        'providers[31].baseUrl',
      );
    });

    it('a base URL that carries credentials', async () => {
      await expectRejected(
        broken((w) => (w.providers[5].baseUrl = 'https://user:secret@api.example.test/v1')),
        'providers[5].baseUrl',
        /credentials/,
      );
      await expectRejected(
        broken((w) => (w.providers[6].baseUrl = 'https://api.example.test/v1?Api_Key=sk-1')),
        'providers[6].baseUrl',
        /credentials/,
      );
    });

    it('a user whose accounts leave out a profile that still owns providers (found in the database, rolled back)', async () => {
      const owner = base.providers.find((p) => p.owner.username !== 'root')!.owner;
      const index = base.users.findIndex((u) => u.username === owner.username);
      await expectRejected(
        broken((w) => {
          w.users[index].accounts = w.users[index].accounts!.filter((a) => a !== owner.accountNumber);
          w.providers = w.providers.filter(
            (p) => !(p.owner.username === owner.username && p.owner.accountNumber === owner.accountNumber),
          );
        }),
        `users[${index}].accounts`,
        /owns \d+ providers?/,
      );
    });
  });

  describe('awkward strings', () => {
    beforeAll(emptyDatabase);

    const awkward = AWKWARD;

    it('round-trip exactly, and re-import as unchanged', async () => {
      const world: WorldFile = {
        version: 1,
        accounts: awkward.map((name, i) => ({ accountNumber: `acct ${name}`, name: `${name} ${i}` })),
        users: awkward.map((name) => ({
          username: `u ${name}`,
          email: name,
          password: name,
          accounts: [`acct ${name}`],
        })),
        providers: awkward.flatMap((name) => [
          { name, description: name, owner: { username: `u ${name}`, accountNumber: `acct ${name}` } },
          // Names differ only in case or spacing: distinct, because names are compared exactly as written.
          {
            name: name.toUpperCase() === name ? `${name}x` : name.toUpperCase(),
            owner: { username: `u ${name}`, accountNumber: `acct ${name}` },
          },
          { name: ` ${name}`, owner: { username: `u ${name}`, accountNumber: `acct ${name}` } },
        ]),
      };
      await importer.importWorld(world);

      const rows: {
        username: string;
        email: string;
        account_number: string;
        account_name: string;
        name: string;
        description: string;
      }[] = await ds.query(`
          SELECT u.username, u.email, a.account_number, a.name AS account_name, p.name, p.description
            FROM providers p JOIN user_profiles up ON up.id = p.owner_profile_id
            JOIN users u ON u.id = up.user_id JOIN accounts a ON a.id = up.account_id
           ORDER BY p.id`);
      expect(rows).toHaveLength(world.providers.length);
      // Insert order is the database's business: match rows on their natural key.
      const byKey = new Map(rows.map((r) => [JSON.stringify([r.username, r.name]), r]));
      expect(byKey.size).toBe(world.providers.length);
      for (const [i, p] of world.providers.entries()) {
        const name = awkward[Math.floor(i / 3)];
        expect(byKey.get(JSON.stringify([p.owner.username, p.name]))).toEqual({
          username: `u ${name}`,
          email: name,
          account_number: `acct ${name}`,
          account_name: `${name} ${Math.floor(i / 3)}`,
          name: p.name,
          description: p.description ?? '',
        });
      }
      const hashes: { username: string; password_hash: string }[] = await ds.query(
        `SELECT username, password_hash FROM users`,
      );
      for (const h of hashes) await expect(verifyPassword(h.password_hash, h.username.slice(2))).resolves.toBe(true);

      const before = await snapshot();
      const again = await importer.importWorld(structuredClone(world));
      expect(again.providers).toEqual({ created: 0, updated: 0, unchanged: world.providers.length });
      expect(await snapshot()).toEqual(before);
    });
  });
});
