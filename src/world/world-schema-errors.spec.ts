import { pathFromPointer } from './world-schema-errors.js';

describe('pathFromPointer', () => {
  it('writes indexes in brackets and odd keys quoted', () => {
    expect(pathFromPointer('/providers/12/owner/accountNumber')).toBe('providers[12].owner.accountNumber');
    expect(pathFromPointer('/users/0/a~1b')).toBe('users[0]["a/b"]');
    expect(pathFromPointer('')).toBe('');
  });
});
