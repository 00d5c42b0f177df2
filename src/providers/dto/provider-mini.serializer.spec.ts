import fc from 'fast-check';
import { plainToInstance } from 'class-transformer';
import { ProvidersListDto } from './provider-mini.dto.js';
import { PROVIDER_MINI_FIELDS, serializeProvidersList } from './provider-mini.serializer.js';

describe('serializeProvidersList', () => {
  it('exposes exactly the DTO’s fields, in order', () => {
    expect(PROVIDER_MINI_FIELDS).toEqual(['id', 'name', 'base_url']);
  });

  it('writes what class-transformer writes, for any rows (extra columns included)', () => {
    const row = fc.record({
      id: fc.integer({ min: 1, max: 2 ** 31 - 1 }),
      name: fc.string({ unit: 'grapheme' }),
      base_url: fc.option(fc.webUrl(), { nil: null }),
      description: fc.string(),
      password_hash: fc.string(),
    });
    fc.assert(
      fc.property(fc.array(row, { maxLength: 30 }), (rows) => {
        const reference = JSON.stringify(
          plainToInstance(ProvidersListDto, { providers: rows }, { excludeExtraneousValues: true }),
        );
        expect(serializeProvidersList(rows)).toBe(reference);
        for (const p of JSON.parse(serializeProvidersList(rows)).providers) {
          expect(Object.keys(p)).toEqual(['id', 'name', 'base_url']);
        }
      }),
    );
  });
});
