/** Keys shorter than this would give away too large a share of themselves in their last 4 characters. */
const MIN_LENGTH_TO_SHOW = 12;

/**
 * What a response may show of an API key: its last 4 characters, for "which key is this?",
 * or null when the key is too short for 4 characters to be a small part of it.
 * Counts characters, not UTF-16 units, so that a key is never cut inside one.
 */
export function lastFour(plaintext: string): string | null {
  const characters = Array.from(plaintext);
  if (characters.length < MIN_LENGTH_TO_SHOW) return null;
  return characters.slice(-4).join('');
}
