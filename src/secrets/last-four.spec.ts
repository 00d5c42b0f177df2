import { lastFour } from './last-four.js';

describe('lastFour', () => {
  it('shows the last 4 characters of a key of 12 characters or more', () => {
    expect(lastFour('sk-proj-abcdefgh1234')).toBe('1234');
    expect(lastFour('abcdefgh1234')).toBe('1234');
  });

  it('shows nothing of a key so short that 4 characters would be a third of it or more', () => {
    expect(lastFour('abcdefg1234')).toBeNull();
    expect(lastFour('')).toBeNull();
  });

  it('never cuts a character in half', () => {
    expect(lastFour('sk-abcdefgh-🔑🔑🔑🔑')).toBe('🔑🔑🔑🔑');
  });
});
