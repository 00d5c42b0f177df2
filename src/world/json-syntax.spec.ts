import { findJsonSyntaxError } from './json-syntax.js';

describe('findJsonSyntaxError', () => {
  it.each([
    ['{\n  "version": 1,\n  "accounts": [,]\n}', 3, 16, /unexpected ","/],
    ['{"a": 1,}', 1, 9, /expected a property name/],
    ['{"a" 1}', 1, 6, /expected ':'/],
    ['[1, 2', 1, 6, /unexpected end of file/],
    ['{"a": "unterminated', 1, 20, /unterminated string/],
    ["{'a': 1}", 1, 2, /property name in double quotes/],
    ['{"a": tru}', 1, 7, /unexpected "t"/],
    ['{"a": 01}', 1, 8, /expected ',' or '}'/],
    ['{} {}', 1, 4, /after the end of the document/],
    ['', 1, 1, /unexpected end of file/],
    ['{"a": "tab\there"}', 1, 11, /control character/],
  ])('finds the first problem in %j', (text, line, column, message) => {
    const error = findJsonSyntaxError(text);
    expect(() => JSON.parse(text)).toThrow();
    expect(error).toEqual({ line, column, message: expect.stringMatching(message) });
  });

  it('returns null for valid JSON, whatever it contains', () => {
    for (const text of ['{}', '[]', '0', '-1.5e+3', '"\\u00e9\\n"', ' {"a": [true, false, null, {"b": "🤖"}]} ']) {
      expect(findJsonSyntaxError(text)).toBeNull();
    }
  });
});
