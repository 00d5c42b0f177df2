import { etagOf, matchesIfMatch } from './etag.js';

describe('ETags of provider records', () => {
  const etag = etagOf({ id: 12, row_version: 3 });

  it('change with every version', () => {
    expect(etag).toBe('"12.3"');
    expect(etagOf({ id: 12, row_version: 4 })).not.toBe(etag);
    expect(etagOf({ id: 1, row_version: 23 })).not.toBe(etag);
  });

  it.each([
    ['"12.3"', true],
    [' "12.3" ', true],
    ['"1.1", "12.3"', true],
    ['*', true],
    ['W/"12.3"', false],
    ['"12.2"', false],
    ['12.3', false],
    ['', false],
  ])('If-Match %j matches: %s', (header, matches) => {
    expect(matchesIfMatch(header, etag)).toBe(matches);
  });
});
