/** Query (or fragment) parameter names that suggest a credential: a provider URL must never carry one. */
const CREDENTIAL_NAME = /key|token|secret|password|signature|auth/i;

/**
 * Why a provider's base URL is not acceptable, or null when it is. A base URL is stored
 * exactly as written, so anything a URL parser would silently repair (surrounding spaces)
 * is refused rather than normalised.
 */
export function baseUrlProblem(value: string): string | null {
  if (/[\s\u0000-\u001f\u007f]/.test(value)) {
    return 'must be an absolute http or https URL without spaces or control characters';
  }
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `must be an absolute http or https URL, got ${quote(value)}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `must be an http or https URL, got the scheme "${url.protocol.slice(0, -1)}"`;
  }
  // The parser drops an empty user-info ("https://@host"), so the raw authority is checked too.
  if (url.username || url.password || /^[a-z][a-z0-9+.-]*:[\\/]*[^\\/?#]*@/i.test(value)) {
    return 'must not contain credentials (user:password@ before the host); keep secrets out of provider URLs';
  }
  const names = [...parameterNames(url.search), ...parameterNames(url.hash)];
  const secret = names.find((name) => CREDENTIAL_NAME.test(name));
  if (secret !== undefined) {
    return `must not carry credentials: the parameter ${quote(secret)} looks like a key, token, secret, password, signature or auth value`;
  }
  return null;
}

/**
 * Why a provider's link (website, docs, terms, privacy policy) is not acceptable, or null: the
 * base URL's rules, and no fragment, since a link is fetched by verification and a fragment
 * would only be dropped on the way.
 */
export function linkUrlProblem(value: string): string | null {
  const problem = baseUrlProblem(value);
  if (problem) return problem;
  return new URL(value).hash || value.includes('#') ? 'must not contain a fragment (#…)' : null;
}

/**
 * Why a connectivity test path is not acceptable: it is joined to the base URL, so it must stay
 * a relative path there (no scheme, no host, no way out of the base path).
 */
export function testPathProblem(value: string): string | null {
  if (/[\s\u0000-\u001f\u007f]/.test(value)) return 'must not contain spaces or control characters';
  if (/^[a-z][a-z0-9+.-]*:/i.test(value) || value.startsWith('//') || value.includes('\\')) {
    return 'must be a path relative to base_url (e.g. "models"), not a URL';
  }
  if (value.split(/[/?#]/).some((segment) => segment === '..')) return 'must not contain ".." segments';
  if (value.includes('#')) return 'must not contain a fragment (#…)';
  return null;
}

/** Decoded parameter names, splitting on `;` as well as `&` since some servers accept both. */
function parameterNames(part: string): string[] {
  if (part.length <= 1) return [];
  return part
    .slice(1)
    .split(/[&;]/)
    .map((pair) => decode(pair.split('=')[0]));
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text.replace(/\+/g, ' '));
  } catch {
    return text;
  }
}

/** A value as it appears in a problem message: quoted, and cut short when long. */
export function quote(text: string): string {
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 77)}...` : text);
}
