import { parseUserId } from './jwt.strategy.js';

describe('parseUserId (the token subject)', () => {
  it.each([
    ['1', 1],
    ['2147483647', 2147483647],
  ])('%j → %d', (sub, id) => {
    expect(parseUserId(sub)).toBe(id);
  });

  it.each(['', '0', '01', '-1', '1e3', '1.0', ' 1', 'abc', '2147483648', '99999999999999999999', 1, null, undefined])(
    'refuses %j',
    (sub) => {
      expect(parseUserId(sub)).toBeNull();
    },
  );
});
