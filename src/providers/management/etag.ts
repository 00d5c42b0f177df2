/** A provider's entity tag: its id and row version, so that every write gives a new one. */
export function etagOf(provider: { id: number; row_version: number }): string {
  return `"${provider.id}.${provider.row_version}"`;
}

/**
 * Whether an If-Match header (RFC 9110: `*` or a list of tags) matches `etag`. The comparison
 * is strong, as If-Match requires: a weak tag (W/"…") never matches.
 */
export function matchesIfMatch(header: string, etag: string): boolean {
  const trimmed = header.trim();
  if (trimmed === '*') return true;
  return trimmed.split(',').some((tag) => tag.trim() === etag);
}
