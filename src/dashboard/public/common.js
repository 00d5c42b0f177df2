// The plumbing both dashboard screens share: where the API is, the one way to call it (cookies,
// the CSRF header, redirects refused), the errors a call ends in, and switching the page between
// its states. The asset server rewrites the screens' import of this file to its content-hashed
// name (dashboard-page.ts), so the screens' own hashes follow its edits.

// Empty: the API is this page's own origin. Set (by whoever serves the page) when the page
// lives on another origin that the service lists in CORS_ORIGINS.
export const apiBase = (document.querySelector('meta[name="api-base"]')?.getAttribute('content') ?? '').replace(
  /\/+$/,
  '',
);
export const crossOrigin = apiBase !== '' && new URL(apiBase, location.href).origin !== location.origin;

export const el = (id) => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found;
};

/** The credentials are gone or no longer valid: the user has to sign in again. */
export class SessionEnded extends Error {}

/** A refused or failed call: its status (0 when unreachable), the body's code and message, and the body. */
export class ApiError extends Error {
  constructor(status, body, message) {
    super(message);
    this.status = status;
    this.body = body;
    this.code = body?.code;
  }
}

export function readCookie(name) {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

/** What to say when a fetch to the API never got an answer. */
export function unreachable() {
  return crossOrigin ? `Could not reach the service at ${apiBase}.` : 'Could not reach the service.';
}

/**
 * One call with the browser's cookies; unsafe methods carry what the dashboard app sends:
 * `Content-Type: application/json` and the CSRF header. `body` is sent as JSON. Redirects are
 * not followed: a redirect here can only be the guard sending us to sign in.
 */
export async function api(path, { method = 'GET', body, headers = {} } = {}) {
  const all = { Accept: 'application/json', ...headers };
  if (method !== 'GET') {
    all['Content-Type'] = 'application/json';
    const csrf = readCookie('csrftoken');
    if (csrf) all['X-CSRF-Token'] = csrf;
  }
  let response;
  try {
    response = await fetch(apiBase + path, {
      method,
      headers: all,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'include',
      cache: 'no-store',
      redirect: 'manual',
    });
  } catch {
    throw new ApiError(0, null, unreachable());
  }
  if (response.status === 401 || response.type === 'opaqueredirect') throw new SessionEnded();
  if (!response.ok) {
    const parsed = await errorBody(response);
    throw new ApiError(response.status, parsed, failureMessage(response.status, parsed));
  }
  return response;
}

/** A failed answer's JSON body, or null when it has none. */
async function errorBody(response) {
  try {
    return await response.json();
  } catch {
    return null; // not JSON: the status says it
  }
}

function failureMessage(status, body) {
  const message = Array.isArray(body?.message) ? body.message.join('; ') : String(body?.message ?? '');
  return `The service answered ${status}${message ? `: ${message}` : ''}.`;
}

/** A failed answer (one not made by `api`) said in words. */
export async function describeFailure(response) {
  return failureMessage(response.status, await errorBody(response));
}

export function loginUrl() {
  return `/login/?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/**
 * The page's states, one `#state-<name>` element each, of which one shows at a time. Returns
 * `show`, `showError` (the error state with its message) and `toLoginPage` (the session has
 * ended: say so, and go to the service's login page, which brings the user back here).
 */
export function pageStates(names) {
  const show = (state) => {
    for (const name of names) el(`state-${name}`).hidden = name !== state;
    document.body.dataset.state = state;
  };
  const showError = (message) => {
    el('error-message').textContent = message;
    show('error');
  };
  const toLoginPage = () => {
    el('session').hidden = true;
    el('login-link').setAttribute('href', loginUrl());
    show('expired');
    location.replace(loginUrl());
  };
  return { show, showError, toLoginPage };
}

/** The signed-in user in the page's header. */
export function renderUser(me) {
  el('user-name').textContent = me.username;
  const role = me.is_superuser ? 'superuser' : me.is_staff ? 'staff' : null;
  const accounts = Array.isArray(me.accounts) && me.accounts.length ? me.accounts.join(', ') : 'no account';
  el('user-meta').textContent = [me.email, role, accounts].filter(Boolean).join(' · ');
  el('user-meta').title = el('user-meta').textContent;
  el('session').hidden = false;
}

export function badge(text, kind) {
  const span = document.createElement('span');
  span.className = `badge badge-${kind}`;
  span.textContent = text;
  return span;
}
