// The "prompt passthrough" screen: choose a provider, send it a prompt, watch the answer
// stream in. It talks to the API exactly as the dashboard app does: cookies (never the token
// itself, which lives in an HttpOnly cookie) plus the X-CSRF-Token header read from the
// `csrftoken` cookie on unsafe methods. Everything the server or a provider sends is written
// with textContent: provider names and answers are data, never markup.

import {
  ApiError,
  SessionEnded,
  api,
  apiBase,
  badge,
  crossOrigin,
  describeFailure,
  el,
  pageStates,
  readCookie,
  renderUser,
  unreachable,
} from './common.js';

const SELECTED_KEY = 'providers-dashboard.selected';
const HISTORY_KEY = 'providers-dashboard.history';
const DRAFT_KEY = 'providers-dashboard.draft';
const MAX_LISTED = 200;
const MAX_HISTORY = 20;
/** An answer kept in the history is cut here, so that 20 of them stay well inside sessionStorage. */
const MAX_KEPT_ANSWER = 20_000;

/** A refusal of the passthrough, with what to tell the user. */
class PromptError extends Error {}

let providers = [];
let selectedId = readSelection();
/** Whether this page has shown a signed-in user: a 401 then means the session ended. */
let wasSignedIn = false;

function readSelection() {
  try {
    const id = Number(sessionStorage.getItem(SELECTED_KEY));
    return Number.isInteger(id) && id > 0 ? id : null;
  } catch {
    return null; // storage disabled: the choice is simply not remembered
  }
}

function writeSelection(id) {
  writeStored(SELECTED_KEY, id === null ? null : String(id));
}

function writeStored(key, value) {
  try {
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // storage disabled or full: not worth interrupting the user for
  }
}

function readStoredJson(key, fallback) {
  try {
    const text = sessionStorage.getItem(key);
    return text === null ? fallback : JSON.parse(text);
  } catch {
    return fallback;
  }
}

// ---- states -----------------------------------------------------------------------------

const STATES = ['loading', 'error', 'expired', 'sign-in', 'empty', 'picker'];

const { show, showError, toLoginPage } = pageStates(STATES);

/** Same origin: the service's login page, which brings the user back here. Elsewhere: our own form. */
function sessionEnded(note) {
  if (crossOrigin) {
    el('session').hidden = true;
    el('sign-in-note').textContent = note;
    show('sign-in');
    el('sign-in-username').focus();
    return;
  }
  toLoginPage();
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

function showUser(me) {
  renderUser(me);
  wasSignedIn = true;
}

// ---- providers ----------------------------------------------------------------------------

function renderProviders() {
  if (providers.length === 0) {
    show('empty');
    return;
  }
  if (!providers.some((p) => p.id === selectedId)) selectedId = preselected();
  show('picker');
  renderList();
  renderDetails();
}

/** The first default provider (an account's own choice), else the first listed. */
function preselected() {
  return (providers.find((p) => p.is_default) ?? providers[0]).id;
}

/** Why a provider cannot be sent to, in words; null when it can. */
function unusableReason(provider) {
  if (!provider.is_active)
    return 'This provider is not active, so prompts cannot be sent to it. Its manager can activate it.';
  if (!provider.has_api_key)
    return 'This provider has no API key yet, so prompts cannot be sent to it. Its manager can set one.';
  return null;
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
  const badges = document.createElement('span');
  badges.className = 'provider-badges';
  if (provider.is_default) badges.append(badge('default', 'info'));
  if (!provider.is_active) badges.append(badge('inactive', 'warn'));
  else if (!provider.has_api_key) badges.append(badge('no key', 'warn'));
  if (badges.childElementCount > 0) button.append(badges);
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
  const changed = id !== selectedId;
  selectedId = id;
  writeSelection(id);
  renderDetails(changed);
}

function selectedProvider() {
  return providers.find((p) => p.id === selectedId);
}

/** Only http(s) links are made clickable: a `javascript:` URL in the data stays text. */
function safeHref(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : null;
  } catch {
    return null;
  }
}

function formatDate(iso) {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

/** `modelChanged`: a newly chosen provider's default model replaces what the field holds. */
function renderDetails(modelChanged = false) {
  markSelected();
  const provider = selectedProvider();
  el('details-placeholder').hidden = Boolean(provider);
  el('details-body').hidden = !provider;
  if (!provider) {
    updateSendState();
    return;
  }
  el('details-name').textContent = provider.name;
  const url = el('details-url');
  url.textContent = provider.base_url ?? 'None: calls use the provider’s default endpoint';
  url.classList.toggle('none', provider.base_url === null);
  const model = el('details-model');
  model.textContent = provider.default_model || 'None set';
  model.classList.toggle('none', !provider.default_model);
  el('details-status').textContent =
    provider.status + (provider.verified_at ? ` (verified ${formatDate(provider.verified_at)})` : '');
  el('details-active').textContent = provider.is_active ? 'Yes' : 'No';
  el('details-key').textContent = provider.has_api_key ? 'Set' : 'Not set';
  const docs = el('details-docs');
  const href = provider.docs_url ? safeHref(provider.docs_url) : null;
  if (href) {
    const link = document.createElement('a');
    link.href = href;
    link.target = '_blank';
    link.rel = 'noopener noreferrer';
    link.textContent = provider.docs_url;
    docs.replaceChildren(link);
  } else {
    docs.replaceChildren(provider.docs_url ?? 'None');
  }
  docs.classList.toggle('none', !href);
  el('details-id').textContent = String(provider.id);
  if (modelChanged || el('model').value === '') {
    el('model').value = provider.default_model;
    if (el('raw-toggle').checked) setRawModel(provider.default_model);
  }
  updateSendState();
}

async function loadProviders() {
  const response = await api('/dashboard/passthrough/api/picker/');
  const body = await response.json();
  providers = Array.isArray(body.providers) ? body.providers : [];
  renderProviders();
}

// ---- the request ----------------------------------------------------------------------------

/** The exchange in flight: its AbortController, or null. */
let inFlight = null;

function bodyFromFields() {
  const messages = [];
  const system = el('system').value;
  if (system.trim() !== '') messages.push({ role: 'system', content: system });
  messages.push({ role: 'user', content: el('prompt').value });
  const body = {};
  const model = el('model').value.trim();
  if (model !== '') body.model = model;
  body.messages = messages;
  body.stream = true;
  // Asks an OpenAI-style upstream to end the stream with the token counts.
  body.stream_options = { include_usage: true };
  return body;
}

function bodyText(body) {
  return JSON.stringify(body, null, 2);
}

/** The body that Send will send: the raw JSON when that is shown, else built from the fields. */
function requestBody() {
  if (!el('raw-toggle').checked) return bodyFromFields();
  let body;
  try {
    body = JSON.parse(el('raw-body').value);
  } catch (error) {
    throw new PromptError(`The request body is not valid JSON: ${error.message}`);
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new PromptError('The request body must be a JSON object.');
  }
  return body;
}

/** Another provider chosen while the raw JSON is shown: only its `model` changes, the rest is the user's. */
function setRawModel(model) {
  try {
    const body = JSON.parse(el('raw-body').value);
    if (body === null || typeof body !== 'object' || Array.isArray(body)) return;
    if (model) body.model = model;
    else delete body.model;
    el('raw-body').value = bodyText(body);
  } catch {
    // being edited into shape: left as it is
  }
}

/** Raw JSON on: the fields' body, editable. Off: what can be read back goes into the fields. */
function toggleRaw() {
  const on = el('raw-toggle').checked;
  el('raw-error').hidden = true;
  if (on) {
    el('raw-body').value = bodyText(bodyFromFields());
  } else {
    try {
      const body = JSON.parse(el('raw-body').value);
      if (typeof body.model === 'string') el('model').value = body.model;
      const messages = Array.isArray(body.messages) ? body.messages : [];
      const system = messages.find((m) => m?.role === 'system');
      const user = [...messages].reverse().find((m) => m?.role === 'user');
      el('system').value = typeof system?.content === 'string' ? system.content : '';
      if (typeof user?.content === 'string') el('prompt').value = user.content;
    } catch {
      // not JSON: the fields keep what they had
    }
  }
  el('raw-body').hidden = !on;
  el('fields-messages').hidden = on;
  el('model').disabled = on;
  updateSendState();
}

function updateSendState() {
  const provider = selectedProvider();
  const reason = !provider ? 'Pick a provider first.' : unusableReason(provider);
  const sending = inFlight !== null;
  el('send').disabled = sending || reason !== null;
  el('stop').disabled = !sending;
  el('send-reason').hidden = reason === null;
  el('send-reason').textContent = reason ?? '';
}

function setAnswerState(text, kind) {
  const state = el('answer-state');
  state.textContent = text;
  state.className = `badge badge-${kind}`;
}

function formatMs(ms) {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

function formatUsage(usage) {
  if (!usage || typeof usage !== 'object') return 'Not reported';
  const part = (n) => (typeof n === 'number' ? String(n) : '?');
  return `${part(usage.prompt_tokens)} prompt + ${part(usage.completion_tokens)} completion = ${part(usage.total_tokens)}`;
}

/** The error body's message (ours, or an OpenAI-style upstream's), if it has one. */
function messageOf(body) {
  if (!body || typeof body !== 'object') return '';
  if (typeof body.error?.message === 'string') return body.error.message;
  if (Array.isArray(body.problems)) return body.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
  if (Array.isArray(body.message)) return body.message.join('; ');
  return typeof body.message === 'string' ? body.message : '';
}

/** A refused or failed passthrough call, said in words. */
async function describePromptFailure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: the status says it
  }
  const message = messageOf(body);
  const code = body?.code;
  switch (true) {
    case code === 'provider_not_active':
      return 'This provider is not active, so nothing was sent. Its manager can activate it.';
    case code === 'provider_has_no_api_key':
      return 'This provider has no API key, so nothing was sent. Its manager can set one.';
    case code === 'provider_has_no_base_url':
      return 'This provider has no base URL to send to.';
    case response.status === 429: {
      const seconds = Number(response.headers.get('retry-after'));
      const wait =
        Number.isFinite(seconds) && seconds > 0 ? `${seconds} second${seconds === 1 ? '' : 's'}` : 'a moment';
      return `Slow down: too many prompts at once${message ? ` (${message})` : ''}. Try again in ${wait}.`;
    }
    case response.status === 404:
      return 'This provider is no longer available to you. Refresh the list.';
    case typeof body?.upstream_status === 'number':
      return `The provider’s server failed: it answered ${body.upstream_status}${message ? ` (${message})` : ''}.`;
    case response.status === 504:
      return 'The provider took too long to answer.';
    case response.status === 502:
      return `Could not get an answer from the provider${message ? `: ${message}` : ''}.`;
    case response.status === 400 && code !== undefined:
      return `The request was refused: ${message}`;
    default:
      // Anything else came from the upstream itself (its 4xx is relayed as it is) or from us.
      return `The provider answered ${response.status}${message ? `: ${message}` : ''}.`;
  }
}

/**
 * Reads a `text/event-stream` body event by event and hands each one's data to `onEvent`.
 * Events end with a blank line; a chunk may end anywhere, so the tail is kept for the next.
 */
async function readEvents(stream, onEvent) {
  const reader = stream.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value;
    let end;
    while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const raw = buffer.slice(0, end);
      buffer = buffer.slice(buffer.slice(end).startsWith('\r\n') ? end + 4 : end + 2);
      let event = 'message';
      const data = [];
      for (const line of raw.split(/\r?\n/)) {
        if (line.startsWith('event:')) event = line.slice(6).trim();
        else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
      }
      if (data.length > 0 && onEvent(event, data.join('\n')) === false) return;
    }
  }
}

async function send(event) {
  event?.preventDefault();
  const provider = selectedProvider();
  if (!provider || inFlight || unusableReason(provider)) return;
  el('raw-error').hidden = true;
  let body;
  try {
    body = requestBody();
  } catch (error) {
    el('raw-error').textContent = error.message;
    el('raw-error').hidden = false;
    el('raw-body').focus();
    return;
  }

  const answer = el('answer');
  const error = el('answer-error');
  el('answer-card').hidden = false;
  answer.replaceChildren();
  error.hidden = true;
  for (const id of ['metric-ttft', 'metric-total', 'metric-tokens']) el(id).textContent = '–';
  setAnswerState('Sending…', 'info');
  answer.setAttribute('aria-busy', 'true');

  const controller = new AbortController();
  inFlight = controller;
  updateSendState();
  el('stop').focus();

  const started = performance.now();
  let firstToken = null;
  let usage = null;
  let text = '';
  let outcome = 'error';
  const append = (piece) => {
    if (typeof piece !== 'string' || piece === '') return;
    if (firstToken === null) {
      firstToken = performance.now() - started;
      el('metric-ttft').textContent = formatMs(firstToken);
      setAnswerState('Streaming…', 'info');
    }
    text += piece;
    answer.append(piece); // a text node: an answer is never markup
  };
  const failWith = (message) => {
    error.textContent = message;
    error.hidden = false;
  };

  try {
    const csrf = readCookie('csrftoken');
    const response = await fetch(`${apiBase}/api/v1/prompts/passthrough/${provider.id}/`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        Accept: 'text/event-stream, application/json',
        ...(csrf ? { 'X-CSRF-Token': csrf } : {}),
      },
      body: JSON.stringify(body),
      credentials: 'include',
      cache: 'no-store',
      redirect: 'manual',
      signal: controller.signal,
    });
    if (response.status === 401 || response.type === 'opaqueredirect') throw new SessionEnded();
    if (!response.ok) {
      failWith(await describePromptFailure(response));
    } else if ((response.headers.get('content-type') ?? '').includes('text/event-stream') && response.body) {
      let finished = false;
      await readEvents(response.body, (name, data) => {
        if (data === '[DONE]') {
          finished = true;
          return false;
        }
        let parsed;
        try {
          parsed = JSON.parse(data);
        } catch {
          return true; // not JSON: nothing an OpenAI stream would send, so nothing to show
        }
        if (name === 'error' || parsed.error) {
          const status = parsed.error?.status ?? parsed.error?.upstream_status;
          failWith(
            `The answer was cut off: ${parsed.error?.message ?? 'the stream failed'}${status ? ` (${status})` : ''}.`,
          );
          return false;
        }
        if (parsed.usage) usage = parsed.usage;
        append(parsed.choices?.[0]?.delta?.content);
        return true;
      });
      if (error.hidden) {
        outcome = 'done';
        if (!finished) failWith('The stream ended before the provider said it was done.');
      }
    } else {
      // "stream": false in the raw JSON: one answer in one piece.
      const parsed = await response.json();
      usage = parsed.usage ?? null;
      append(parsed.choices?.[0]?.message?.content);
      outcome = 'done';
    }
  } catch (failure) {
    if (failure instanceof SessionEnded) {
      saveDraft();
      inFlight = null;
      fail(failure);
      return;
    }
    if (failure?.name === 'AbortError') outcome = 'stopped';
    else failWith(unreachable());
  } finally {
    if (inFlight === controller) inFlight = null;
  }

  const total = performance.now() - started;
  el('metric-total').textContent = formatMs(total);
  el('metric-tokens').textContent = formatUsage(usage);
  answer.setAttribute('aria-busy', 'false');
  const result = outcome === 'stopped' ? 'stopped' : error.hidden ? 'done' : 'failed';
  if (result === 'stopped') setAnswerState('Stopped', 'warn');
  else if (result === 'failed') setAnswerState('Failed', 'danger');
  else setAnswerState('Done', 'ok');
  if (text === '' && result === 'done') answer.textContent = '(The provider sent an empty answer.)';
  updateSendState();
  el('send').focus();
  remember({
    at: new Date().toISOString(),
    provider_id: provider.id,
    provider_name: provider.name,
    body,
    answer: text.slice(0, MAX_KEPT_ANSWER),
    outcome: result,
    ttft_ms: firstToken,
    total_ms: total,
    usage,
  });
}

function stop() {
  inFlight?.abort();
}

// ---- the session's exchanges (sessionStorage only) --------------------------------------------

function readHistory() {
  const items = readStoredJson(HISTORY_KEY, []);
  return Array.isArray(items) ? items : [];
}

function remember(exchange) {
  const items = [exchange, ...readHistory()].slice(0, MAX_HISTORY);
  writeStored(HISTORY_KEY, JSON.stringify(items));
  renderHistory();
}

/** A shell word: single-quoted, each `'` written as `'\''`. */
function shellQuote(text) {
  return `'${String(text).replace(/'/g, "'\\''")}'`;
}

/**
 * The exchange as a curl command with a placeholder where the token goes: the page never has
 * the token (an HttpOnly cookie), and a copied command should not carry a session anyway.
 */
function curlFor(exchange) {
  const base = apiBase || location.origin;
  return [
    `curl -sN ${shellQuote(`${base}/api/v1/prompts/passthrough/${exchange.provider_id}/`)}`,
    // Double quotes, so that the shell fills in $TOKEN (e.g. from POST /auth/login).
    '  -H "Authorization: Bearer $TOKEN"',
    `  -H 'Content-Type: application/json'`,
    `  -d ${shellQuote(JSON.stringify(exchange.body))}`,
  ].join(' \\\n');
}

function promptOf(body) {
  const messages = Array.isArray(body?.messages) ? body.messages : [];
  const user = [...messages].reverse().find((m) => m?.role === 'user');
  return typeof user?.content === 'string' ? user.content : JSON.stringify(body);
}

async function copyText(text, button) {
  const label = button.textContent;
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    button.textContent = 'Copy failed: select the text below';
  }
  setTimeout(() => (button.textContent = label), 2000);
}

function historyItem(exchange, index) {
  const item = document.createElement('li');
  item.className = 'history-item';
  item.dataset.index = String(index);
  const head = document.createElement('div');
  head.className = 'history-head';
  const title = document.createElement('strong');
  title.textContent = exchange.provider_name;
  const meta = document.createElement('span');
  meta.className = 'muted';
  meta.textContent = `${formatDate(exchange.at)} · ${exchange.outcome}${
    typeof exchange.total_ms === 'number' ? ` · ${formatMs(exchange.total_ms)}` : ''
  }`;
  head.append(title, meta);
  const prompt = document.createElement('p');
  prompt.className = 'history-prompt';
  prompt.textContent = promptOf(exchange.body);
  const answer = document.createElement('p');
  answer.className = 'history-answer muted';
  answer.textContent = exchange.answer || '(no answer)';
  const curl = document.createElement('pre');
  curl.className = 'code curl';
  curl.textContent = curlFor(exchange);
  const copy = document.createElement('button');
  copy.type = 'button';
  copy.className = 'button button-quiet copy-curl';
  copy.textContent = 'Copy as curl';
  copy.addEventListener('click', () => void copyText(curl.textContent, copy));
  const details = document.createElement('details');
  const summary = document.createElement('summary');
  summary.textContent = 'Show the curl command';
  details.append(summary, curl);
  item.append(head, prompt, answer, copy, details);
  return item;
}

function renderHistory() {
  const items = readHistory();
  el('history-list').replaceChildren(...items.map(historyItem));
  el('history-clear').hidden = items.length === 0;
}

/** What was typed, kept across a sign-in so that an expired session loses nothing. */
function saveDraft() {
  writeStored(
    DRAFT_KEY,
    JSON.stringify({
      model: el('model').value,
      system: el('system').value,
      prompt: el('prompt').value,
      raw: el('raw-toggle').checked ? el('raw-body').value : null,
    }),
  );
}

function restoreDraft() {
  const draft = readStoredJson(DRAFT_KEY, null);
  writeStored(DRAFT_KEY, null);
  if (!draft || typeof draft !== 'object') return;
  for (const field of ['model', 'system', 'prompt']) {
    if (typeof draft[field] === 'string') el(field).value = draft[field];
  }
  if (typeof draft.raw === 'string') {
    el('raw-toggle').checked = true;
    toggleRaw();
    el('raw-body').value = draft.raw;
  }
}

// ---- start, refresh, sign in and out ----------------------------------------------------------

async function start() {
  show('loading');
  try {
    const me = await (await api('/auth/me')).json();
    showUser(me);
    restoreDraft();
    await loadProviders();
    renderHistory();
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
  stop();
  try {
    await api('/auth/logout', { method: 'POST' });
  } catch (error) {
    // Already signed out (401) is what we wanted; anything else is worth saying.
    if (!(error instanceof SessionEnded)) {
      button.disabled = false;
      showError(error instanceof ApiError ? error.message : 'Could not sign out.');
      return;
    }
  }
  button.disabled = false;
  // The next person at this browser sees nothing of this one's session.
  try {
    sessionStorage.clear();
  } catch {
    // storage disabled: nothing was kept
  }
  selectedId = null;
  providers = [];
  el('provider-list').replaceChildren();
  el('history-list').replaceChildren();
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

/** Ctrl+Enter (⌘+Enter on a Mac) in a text box sends, since Enter alone starts a new line. */
function sendOnCtrlEnter(event) {
  if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
    event.preventDefault();
    el('prompt-form').requestSubmit();
  }
}

el('search').addEventListener('input', renderList);
el('retry').addEventListener('click', () => void start());
el('refresh').addEventListener('click', (event) => void refresh(event.currentTarget));
el('empty-refresh').addEventListener('click', (event) => void refresh(event.currentTarget));
el('sign-out').addEventListener('click', () => void signOut());
el('sign-in-form').addEventListener('submit', (event) => void signIn(event));
el('prompt-form').addEventListener('submit', (event) => void send(event));
el('stop').addEventListener('click', stop);
el('raw-toggle').addEventListener('change', toggleRaw);
for (const id of ['prompt', 'system', 'raw-body']) el(id).addEventListener('keydown', sendOnCtrlEnter);
el('history-clear').addEventListener('click', () => {
  writeStored(HISTORY_KEY, null);
  renderHistory();
});
document.addEventListener('keydown', (event) => {
  if (event.key === 'Escape' && inFlight) {
    event.preventDefault();
    stop();
  }
});

void start();
