/**
 * A provider's slug, Smarter's `rfc1034CompliantName`: the name lower-cased, each run of
 * characters outside [a-z0-9] replaced by `-`, leading and trailing `-` trimmed.
 * PROVIDER_SLUG_SQL is the same function in SQL, over `p.name`.
 */
export function providerSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export const PROVIDER_SLUG_SQL = `trim(both '-' from regexp_replace(lower(p.name), '[^a-z0-9]+', '-', 'g'))`;
