import { nestedDeeperThan } from './body-parsing.js';

describe('nestedDeeperThan', () => {
  it.each([
    ['{}', 1, false],
    ['{}', 0, true],
    ['[[[]]]', 3, false],
    ['[[[]]]', 2, true],
    ['{"a":{"b":[1,{"c":2}]}}', 4, false],
    ['{"a":{"b":[1,{"c":2}]}}', 3, true],
    // Brackets inside strings, escaped quotes included, are text.
    ['{"a":"[[[[{{{{"}', 1, false],
    ['{"a":"\\"[[[["}', 1, false],
    ['["\\\\", [[]]]', 2, true],
    ['"[[[[[["', 0, false],
    // Siblings do not add up.
    ['[[],[],[],[]]', 2, false],
  ])('%s deeper than %i: %s', (json, max, expected) => {
    expect(nestedDeeperThan(json, max)).toBe(expected);
  });

  it('scans 64 KiB of brackets at once, to the end', () => {
    expect(nestedDeeperThan('['.repeat(64 * 1024), 32)).toBe(true);
    // Shallow all the way through: every character is read.
    expect(nestedDeeperThan('[]'.repeat(32 * 1024), 1)).toBe(false);
    // Too deep only at the very end.
    expect(nestedDeeperThan(`${'[]'.repeat(32 * 1024 - 17)}${'['.repeat(33)}`, 32)).toBe(true);
  });
});
