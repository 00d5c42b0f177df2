// The "prompt passthrough" providers picker. It talks to the API exactly as the dashboard app
// does: cookies (never the token itself, which lives in an HttpOnly cookie) plus the
// X-CSRF-Token header read from the `csrftoken` cookie on unsafe methods. Everything the
// server sends is written with textContent: provider names are user data.

const SELECTED_KEY = 'providers-dashboard.selected';
const MAX_LISTED = 200;

// Empty: the API is this page's own origin. Set (by whoever serves the page) when the page
// lives on another origin that the service lists in CORS_ORIGINS.
const apiBase = (document.querySelector('meta[name="api-base"]')?.getAttribute('content') ?? '').replace(/\/+$/, '');
const crossOrigin = apiBase !== '' && new URL(apiBase, location.href).origin !== location.origin;

const el = (id) => {
  const found = document.getElementById(id);
  if (!found) throw new Error(`#${id} is missing from the page`);
  return found;
};

/** The credentials are gone or no longer valid: the user has to sign in again. */
class SessionEnded extends Error {}

/** Any other failed call, with a message fit to show. */
class ApiError extends Error {}

let providers = [];
let selectedId = readSelection();
/** Whether this page has shown a signed-in user: a 401 then means the session ended. */
let wasSignedIn = false;

function readCookie(name) {
  for (const part of document.cookie.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return null;
}

function readSelection() {
  try {
    const id = Number(sessionStorage.getItem(SELECTED_KEY));
    return Number.isInteger(id) && id > 0 ? id : null;
  } catch {
    return null; // storage disabled: the choice is simply not remembered
  }
}

function writeSelection(id) {
  try {
    if (id === null) sessionStorage.removeItem(SELECTED_KEY);
    else sessionStorage.setItem(SELECTED_KEY, String(id));
  } catch {
    // storage disabled or full: not worth interrupting the user for
  }
}

/**
 * One call to the API with the browser's cookies and never a body. Calls other than GET carry
 * what the dashboard app sends: `Content-Type: application/json` and the CSRF header.
 * Redirects are not followed: a redirect here can only be the guard sending us to sign in.
 */
async function api(path, method = 'GET') {
  const headers = { Accept: 'application/json' };
  if (method !== 'GET') {
    headers['Content-Type'] = 'application/json';
    const csrf = readCookie('csrftoken');
    if (csrf) headers['X-CSRF-Token'] = csrf;
  }
  let response;
  try {
    response = await fetch(apiBase + path, {
      method,
      headers,
      credentials: 'include',
      cache: 'no-store',
      redirect: 'manual',
    });
  } catch {
    throw new ApiError(crossOrigin ? `Could not reach the service at ${apiBase}.` : 'Could not reach the service.');
  }
  if (response.status === 401 || response.type === 'opaqueredirect') throw new SessionEnded();
  if (!response.ok) throw new ApiError(await describeFailure(response));
  return response;
}

async function describeFailure(response) {
  let message = '';
  try {
    const body = await response.json();
    message = Array.isArray(body.message) ? body.message.join('; ') : String(body.message ?? '');
  } catch {
    // not JSON: the status alone says enough
  }
  return `The service answered ${response.status}${message ? `: ${message}` : ''}.`;
}

// ---- states -----------------------------------------------------------------------------

const STATES = ['loading', 'error', 'expired', 'sign-in', 'empty', 'picker'];

function show(state) {
  for (const name of STATES) el(`state-${name}`).hidden = name !== state;
  document.body.dataset.state = state;
}

function showError(message) {
  el('error-message').textContent = message;
  show('error');
}

function loginUrl() {
  return `/login/?next=${encodeURIComponent(location.pathname + location.search)}`;
}

/** Same origin: the service's login page, which brings the user back here. Elsewhere: our own form. */
function sessionEnded(note) {
  el('session').hidden = true;
  if (crossOrigin) {
    el('sign-in-note').textContent = note;
    show('sign-in');
    el('sign-in-username').focus();
    return;
  }
  el('login-link').setAttribute('href', loginUrl());
  show('expired');
  location.replace(loginUrl());
}

function fail(error) {
  if (error instanceof SessionEnded) {
    sessionEnded(
      wasSignedIn ? 'Your session has ended. Sign in again.' : 'Sign in to see the providers available to you.',
    );
  } else if (error instanceof ApiError) {
    showError(error.message);
  } else {
    console.error('[dashboard] unexpected error:', error); // a bug here: keep the details for a developer
    showError('Unexpected error in this page.');
  }
}

// ---- the signed-in user -----------------------------------------------------------------

function renderUser(me) {
  el('user-name').textContent = me.username;
  const role = me.is_superuser ? 'superuser' : me.is_staff ? 'staff' : null;
  const accounts = Array.isArray(me.accounts) && me.accounts.length ? me.accounts.join(', ') : 'no account';
  el('user-meta').textContent = [me.email, role, accounts].filter(Boolean).join(' · ');
  el('user-meta').title = el('user-meta').textContent;
  el('session').hidden = false;
  wasSignedIn = true;
}

// ---- providers ----------------------------------------------------------------------------

function renderProviders() {
  if (providers.length === 0) {
    show('empty');
    return;
  }
  if (!providers.some((p) => p.id === selectedId)) selectedId = null;
  show('picker');
  renderList();
  renderDetails();
}

/** Lower-cased text that the search looks in, computed once per list. */
const searchText = new WeakMap();

/**
 * Rebuilds the list from the matching providers. Only the first MAX_LISTED are put in the
 * page: a superuser of a large world may read thousands, and a search narrows them quickly.
 */
function renderList() {
  const raw = el('search').value.trim();
  const query = raw.toLowerCase();
  const matches = [];
  for (const provider of providers) {
    let text = searchText.get(provider);
    if (text === undefined) {
      text = `${provider.name} ${provider.base_url ?? ''}`.toLowerCase();
      searchText.set(provider, text);
    }
    if (query === '' || text.includes(query)) matches.push(provider);
  }
  el('provider-list').replaceChildren(...matches.slice(0, MAX_LISTED).map(providerItem));

  const total = providers.length;
  const noun = total === 1 ? 'provider' : 'providers';
  let count = query === '' ? `${total} ${noun} available to you` : `${matches.length} of ${total} ${noun} match`;
  if (matches.length > MAX_LISTED) count += ` (showing the first ${MAX_LISTED}; search to narrow)`;
  el('provider-count').textContent = count;
  el('no-match').hidden = matches.length > 0;
  el('no-match').textContent = matches.length > 0 ? '' : `No provider matches “${raw}”.`;
  markSelected();
}

function providerItem(provider) {
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'provider';
  button.dataset.id = String(provider.id);
  const name = document.createElement('span');
  name.className = 'provider-name';
  name.textContent = provider.name;
  const url = document.createElement('span');
  url.className = provider.base_url === null ? 'provider-url none' : 'provider-url';
  url.textContent = provider.base_url ?? 'No base URL';
  button.append(name, url);
  button.addEventListener('click', () => select(provider.id));
  const item = document.createElement('li');
  item.append(button);
  return item;
}

function markSelected() {
  for (const button of el('provider-list').querySelectorAll('.provider')) {
    button.setAttribute('aria-pressed', String(button.dataset.id === String(selectedId)));
  }
}

function select(id) {
  selectedId = id;
  writeSelection(id);
  renderDetails();
}

function renderDetails() {
  markSelected();
  const provider = providers.find((p) => p.id === selectedId);
  el('details-placeholder').hidden = Boolean(provider);
  el('details-body').hidden = !provider;
  if (!provider) return;
  el('details-name').textContent = provider.name;
  const url = el('details-url');
  url.textContent = provider.base_url ?? 'None: calls use the provider’s default endpoint';
  url.classList.toggle('none', provider.base_url === null);
  el('details-id').textContent = String(provider.id);
}

async function loadProviders() {
  // POST with `Content-Type: application/json` and no body, as the dashboard app sends it.
  const response = await api('/dashboard/passthrough/api/providers/', 'POST');
  const body = await response.json();
  providers = Array.isArray(body.providers) ? body.providers : [];
  renderProviders();
}

async function start() {
  show('loading');
  try {
    const me = await (await api('/auth/me')).json();
    renderUser(me);
    await loadProviders();
  } catch (error) {
    fail(error);
  }
}

async function refresh(button) {
  button.disabled = true;
  try {
    await loadProviders();
  } catch (error) {
    fail(error);
  } finally {
    button.disabled = false;
  }
}

async function signOut() {
  const button = el('sign-out');
  button.disabled = true;
  try {
    await api('/auth/logout', 'POST');
  } catch (error) {
    // Already signed out (401) is what we wanted; anything else is worth saying.
    if (!(error instanceof SessionEnded)) {
      button.disabled = false;
      showError(error instanceof ApiError ? error.message : 'Could not sign out.');
      return;
    }
  }
  button.disabled = false;
  writeSelection(null);
  selectedId = null;
  providers = [];
  el('provider-list').replaceChildren();
  wasSignedIn = false;
  sessionEnded('You have signed out.');
}

/**
 * Cross-origin only: POST /auth/login with JSON and credentials, which sets the cookies.
 * The answer's body carries the token; it is deliberately never read.
 */
async function signIn(event) {
  event.preventDefault();
  const error = el('sign-in-error');
  const submit = el('sign-in-submit');
  error.hidden = true;
  submit.disabled = true;
  try {
    const response = await fetch(`${apiBase}/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
      body: JSON.stringify({ username: el('sign-in-username').value, password: el('sign-in-password').value }),
      credentials: 'include',
      cache: 'no-store',
    });
    if (!response.ok) {
      error.textContent =
        response.status === 401
          ? 'Wrong username or password.'
          : response.status === 429
            ? 'Too many failed attempts. Wait a while, then try again.'
            : await describeFailure(response);
      error.hidden = false;
      return;
    }
    el('sign-in-password').value = '';
    await start();
  } catch {
    error.textContent = `Could not reach the service at ${apiBase}.`;
    error.hidden = false;
  } finally {
    submit.disabled = false;
  }
}

el('search').addEventListener('input', renderList);
el('retry').addEventListener('click', () => void start());
el('refresh').addEventListener('click', (event) => void refresh(event.currentTarget));
el('empty-refresh').addEventListener('click', (event) => void refresh(event.currentTarget));
el('sign-out').addEventListener('click', () => void signOut());
el('sign-in-form').addEventListener('submit', (event) => void signIn(event));

void start();
