import { DEFAULT_NEXT, safeNext } from './origin.js';

describe('safeNext (no open redirect)', () => {
  it.each(['/dashboard/passthrough/', '/x?next=%2F%2Fevil.test', '/a/b#c', '/%2F%2Fevil.test', '/%5Cevil.test'])(
    'keeps the same-site path %j',
    (next) => {
      expect(safeNext(next)).toBe(next);
    },
  );

  it.each([
    'https://evil.test',
    'http://evil.test/',
    '//evil.test',
    '///evil.test',
    '/\\evil.test',
    '\\\\evil.test',
    '\\/evil.test',
    '/\t/evil.test',
    '/\n/evil.test',
    '/\r\nSet-Cookie: a=b',
    ' /x',
    'javascript:alert(1)',
    'https:/evil.test',
    'http:evil.test',
    'evil.test',
    '@evil.test',
    '/x\u0000',
    '/\u2028/evil.test',
    '/ü',
    '',
    undefined,
    ['/a'],
    42,
  ])('refuses %j', (next) => {
    expect(safeNext(next)).toBe(DEFAULT_NEXT);
  });

  it('refuses an overlong path', () => {
    expect(safeNext(`/${'a'.repeat(3000)}`)).toBe(DEFAULT_NEXT);
  });
});
