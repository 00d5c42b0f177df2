import { ProviderHistoryRepository } from '../src/providers/history/provider-history.repository.js';
import { Factories } from './support/factories.js';
import { migratedDataSource, type MigratedDataSource } from './support/test-database.js';

describe('ProviderHistoryRepository (PostgreSQL)', () => {
  let m: MigratedDataSource;
  let history: ProviderHistoryRepository;
  let userId: number;

  beforeAll(async () => {
    m = await migratedDataSource({ statementTimeoutMs: 5000 });
    history = new ProviderHistoryRepository(m.ds);
    userId = await new Factories(m.ds).user({ username: 'hist-writer' });
  });
  afterAll(() => m?.close());

  it('appends rows with the transaction, newest first, paged by id, naming who changed what', async () => {
    await m.ds.transaction((manager) =>
      history.append(manager, [
        { providerId: 41, changedBy: userId, action: 'create' },
        { providerId: 41, changedBy: userId, action: 'update', field: 'name', oldValue: 'A', newValue: 'B' },
        { providerId: 41, changedBy: null, action: 'api_key_set', field: 'api_key', newValue: 'changed' },
        { providerId: 42, changedBy: userId, action: 'create' },
      ]),
    );
    const page = await history.listFor(41, 2);
    expect(page.map((r) => [r.action, r.field, r.old_value, r.new_value, r.changed_by_username])).toEqual([
      ['api_key_set', 'api_key', null, 'changed', null],
      ['update', 'name', 'A', 'B', 'hist-writer'],
    ]);
    const next = await history.listFor(41, 2, page[1].id);
    expect(next.map((r) => r.action)).toEqual(['create']);
  });

  it('writes nothing when the transaction that carries the change rolls back', async () => {
    await expect(
      m.ds.transaction(async (manager) => {
        await history.append(manager, [{ providerId: 77, changedBy: userId, action: 'delete' }]);
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(await history.listFor(77, 10)).toEqual([]);
  });
});
