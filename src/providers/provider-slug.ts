/**
 * A provider's slug, Smarter's `rfc1034CompliantName`: the name lower-cased, each run of
 * characters outside [a-z0-9] replaced by `-`, leading and trailing `-` trimmed.
 * PROVIDER_SLUG_SQL is the same function in SQL, over `p.name`. It lives with the provider,
 * not in passthrough/, since both the passthrough (which resolves it) and the Smarter list
 * format (which shows it) need it, and the passthrough may import providers/, not the reverse.
 */
export function providerSlug(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export const PROVIDER_SLUG_SQL = `trim(both '-' from regexp_replace(lower(p.name), '[^a-z0-9]+', '-', 'g'))`;
