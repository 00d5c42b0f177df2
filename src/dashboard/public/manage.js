// The provider management screens: the list of the providers the user manages, a provider's
// page (edit, key, terms, verification, activation, moderation, history, delete) and the
// new-provider form. One page for the three, chosen by the path. It calls the management
// API (/api/v1/providers…) with the cookies and the CSRF header, as the passthrough screen
// does; the API decides who may see and do what, and this page only says it in words.
// Everything from the server is written with textContent: names and URLs are data.

import { ApiError, SessionEnded, api, badge, el, pageStates, renderUser } from './common.js';

const PAGE_SIZE = 50;
const POLL_MS = 700;

/** The fields of a provider that can be edited, in the form's order. */
const FIELDS = [
  { name: 'name', label: 'Name', required: true },
  { name: 'description', label: 'Description', kind: 'textarea' },
  { name: 'base_url', label: 'Base URL', type: 'url', placeholder: 'https://api.example.com/v1' },
  { name: 'default_model', label: 'Default model' },
  { name: 'connectivity_test_path', label: 'Connectivity test path', placeholder: 'models' },
  { name: 'website_url', label: 'Website', type: 'url' },
  { name: 'docs_url', label: 'Documentation', type: 'url' },
  { name: 'terms_of_service_url', label: 'Terms of service', type: 'url' },
  { name: 'privacy_policy_url', label: 'Privacy policy', type: 'url' },
  { name: 'contact_email', label: 'Contact email', type: 'email' },
  { name: 'support_email', label: 'Support email', type: 'email' },
  { name: 'is_featured', label: 'Featured', kind: 'checkbox' },
  { name: 'is_default', label: 'The account’s default provider', kind: 'checkbox' },
];

/** The checks verification runs (src/providers/verification/verification-checks.ts). */
const CHECK_LABELS = {
  connectivity: 'Connectivity',
  api_key: 'API key',
  terms_accepted: 'Terms accepted',
  website_url: 'Website',
  docs_url: 'Documentation',
  terms_of_service_url: 'Terms of service page',
  privacy_policy_url: 'Privacy policy page',
};

const BLOCKERS = {
  not_verified: 'it has not passed verification',
  terms_not_accepted: 'its terms of service have not been accepted',
  suspended: 'it is suspended',
  deprecated: 'it is deprecated',
};

let me = null;

const json = async (response) => (response.status === 204 ? null : response.json());

// ---- states ---------------------------------------------------------------------------------

const STATES = ['loading', 'error', 'expired', 'missing', 'list', 'new', 'provider'];

const { show, showError, toLoginPage } = pageStates(STATES);

function sessionEnded() {
  stopPolling();
  toLoginPage();
}

/** The last resort for a failure nobody handled more precisely. */
function fail(error) {
  if (error instanceof SessionEnded) sessionEnded();
  else if (error instanceof ApiError && error.status === 404 && error.code === 'provider_not_found') show('missing');
  else if (error instanceof ApiError) showError(error.message);
  else {
    console.error('[dashboard] unexpected error:', error); // a bug here: keep the details for a developer
    showError('Unexpected error in this page.');
  }
}

/** A message at the top of the page that survives one navigation (e.g. "deleted"). */
function notice(text) {
  try {
    sessionStorage.setItem('providers-dashboard.notice', text);
  } catch {
    // storage disabled: the notice is simply not shown
  }
}

function showNotice() {
  let text = null;
  try {
    text = sessionStorage.getItem('providers-dashboard.notice');
    sessionStorage.removeItem('providers-dashboard.notice');
  } catch {
    // storage disabled
  }
  el('notice').hidden = !text;
  el('notice').textContent = text ?? '';
}

function formatDate(iso) {
  if (!iso) return '–';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? String(iso) : date.toLocaleString();
}

function statusKind(status) {
  return status === 'verified' ? 'ok' : status === 'failed' || status === 'suspended' ? 'danger' : 'warn';
}

/** A table cell; `label` (its column's heading) is what a phone shows beside it. */
function cell(content, label) {
  const td = document.createElement('td');
  td.dataset.label = label;
  if (content instanceof Node) td.append(content);
  else td.textContent = content;
  return td;
}

// ---- the signed-in user ---------------------------------------------------------------------

/** Creating needs staff (or a superuser) with a profile in the account: these are the accounts offered. */
function creatableAccounts() {
  return me.is_staff || me.is_superuser ? me.accounts : [];
}

// ---- the list -------------------------------------------------------------------------------

let listCursor = null;
let listCount = 0;

function listQuery(cursor) {
  const params = new URLSearchParams({ scope: 'manageable', limit: String(PAGE_SIZE) });
  const q = el('list-q').value.trim();
  const status = el('list-status').value;
  if (q) params.set('q', q);
  if (status) params.set('status', status);
  if (cursor !== null) params.set('cursor', cursor);
  return `/api/v1/providers?${params}`;
}

function listRow(provider) {
  const tr = document.createElement('tr');
  tr.dataset.id = String(provider.id);
  const link = document.createElement('a');
  link.href = `/dashboard/providers/${provider.id}/`;
  link.textContent = provider.name;
  tr.append(
    cell(link, 'Name'),
    cell(provider.account_number, 'Account'),
    cell(badge(provider.status, statusKind(provider.status)), 'Status'),
    cell(provider.is_active ? 'Yes' : 'No', 'Active'),
    cell(provider.has_api_key ? 'Yes' : 'No', 'Key set'),
    cell(formatDate(provider.verified_at), 'Verified at'),
  );
  return tr;
}

/** The first page (`more` false) or the next one, by keyset: `next_cursor` of the last page. */
async function loadList(more) {
  const button = el('list-more');
  button.disabled = true;
  try {
    const page = await json(await api(listQuery(more ? listCursor : null)));
    if (!more) {
      el('list-body').replaceChildren();
      listCount = 0;
    }
    el('list-body').append(...page.items.map(listRow));
    listCount += page.items.length;
    listCursor = page.next_cursor;
    const filtered = el('list-q').value.trim() !== '' || el('list-status').value !== '';
    const nothing = listCount === 0 && !filtered;
    el('table-wrap').hidden = listCount === 0;
    el('list-nothing').hidden = !nothing;
    el('list-none').hidden = !(listCount === 0 && filtered);
    el('list-none').textContent = 'No provider you manage matches these filters.';
    el('list-count').textContent =
      listCount === 0
        ? ''
        : `${listCount}${listCursor !== null ? '+' : ''} provider${listCount === 1 ? '' : 's'} shown`;
    button.hidden = listCursor === null;
    show('list');
  } finally {
    button.disabled = false;
  }
}

async function startList() {
  el('new-link').hidden = creatableAccounts().length === 0;
  const params = new URLSearchParams(location.search);
  el('list-q').value = params.get('q') ?? '';
  el('list-status').value = params.get('status') ?? '';
  await loadList(false);
}

function applyFilters(event) {
  event.preventDefault();
  const params = new URLSearchParams();
  if (el('list-q').value.trim()) params.set('q', el('list-q').value.trim());
  if (el('list-status').value) params.set('status', el('list-status').value);
  // The filters are in the URL, so that Back and a reload keep them.
  history.replaceState(null, '', `${location.pathname}${params.size ? `?${params}` : ''}`);
  loadList(false).catch(fail);
}

// ---- forms ------------------------------------------------------------------------------------

/** Builds the field inputs of FIELDS into `container`, with ids `${prefix}-${name}`. */
function buildFields(container, prefix, only = null) {
  for (const field of FIELDS) {
    if (only && !only.includes(field.name)) continue;
    const id = `${prefix}-${field.name}`;
    const wrap = document.createElement('div');
    wrap.className = field.kind === 'checkbox' ? 'field field-check' : 'field';
    const label = document.createElement('label');
    label.htmlFor = id;
    label.textContent = field.label;
    let input;
    if (field.kind === 'textarea') {
      input = document.createElement('textarea');
      input.rows = 2;
    } else {
      input = document.createElement('input');
      input.type = field.kind === 'checkbox' ? 'checkbox' : (field.type ?? 'text');
      if (field.placeholder) input.placeholder = field.placeholder;
      input.autocomplete = 'off';
    }
    input.id = id;
    input.name = field.name;
    if (field.required) input.required = true;
    const error = document.createElement('p');
    error.className = 'field-error';
    error.id = `${id}-error`;
    error.hidden = true;
    input.setAttribute('aria-describedby', error.id);
    if (field.kind === 'checkbox') wrap.append(input, label, error);
    else wrap.append(label, input, error);
    container.append(wrap);
  }
}

function fieldValue(prefix, field) {
  const input = el(`${prefix}-${field.name}`);
  if (field.kind === 'checkbox') return input.checked;
  const value = input.value.trim();
  // An emptied optional URL or email is "none", which the API spells null.
  if (value === '' && (field.type === 'url' || field.type === 'email')) return null;
  return field.kind === 'textarea' ? input.value : value;
}

function setFieldValue(prefix, field, value) {
  const input = el(`${prefix}-${field.name}`);
  if (field.kind === 'checkbox') input.checked = Boolean(value);
  else input.value = value ?? '';
}

function clearProblems(form) {
  for (const error of form.querySelectorAll('.field-error')) {
    error.hidden = true;
    error.textContent = '';
  }
  for (const input of form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
}

/**
 * The server's validation messages beside their fields; those about no field on this form
 * are returned, to be said above the buttons. Focus goes to the first field with a problem.
 */
function showProblems(prefix, problems) {
  const elsewhere = [];
  let first = null;
  for (const problem of problems) {
    const input = document.getElementById(`${prefix}-${problem.field}`);
    const error = document.getElementById(`${prefix}-${problem.field}-error`);
    if (!input || !error) {
      elsewhere.push(problem.field ? `${problem.field}: ${problem.message}` : problem.message);
      continue;
    }
    error.textContent = error.textContent ? `${error.textContent} ${problem.message}` : problem.message;
    error.hidden = false;
    input.setAttribute('aria-invalid', 'true');
    first ??= input;
  }
  first?.focus();
  return elsewhere;
}

function formError(id, text) {
  el(id).textContent = text;
  el(id).hidden = !text;
}

// ---- a new provider ---------------------------------------------------------------------------

function startNew() {
  const accounts = creatableAccounts();
  const select = el('new-account');
  select.replaceChildren(
    ...accounts.map((number) => {
      const option = document.createElement('option');
      option.value = number;
      option.textContent = number;
      return option;
    }),
  );
  const allowed = accounts.length > 0;
  el('new-note').textContent = allowed
    ? 'You own what you create; it starts unverified and inactive.'
    : 'Creating providers is for the staff of an account. Ask yours to add the provider you need.';
  for (const control of el('new-form').querySelectorAll('input, select, textarea, button')) control.disabled = !allowed;
  show('new');
  if (allowed) el('new-name').focus();
}

async function createProvider(event) {
  event.preventDefault();
  const form = el('new-form');
  clearProblems(form);
  formError('new-error', '');
  const body = { account_number: el('new-account').value };
  for (const field of FIELDS) {
    const value = fieldValue('new', field);
    // Only what was filled in: the API's defaults stand for the rest.
    if (value !== null && value !== '' && value !== false) body[field.name] = value;
  }
  el('new-submit').disabled = true;
  try {
    const created = await json(await api('/api/v1/providers', { method: 'POST', body }));
    notice(`Created “${created.name}”. Next: set its key, accept the terms, verify and activate it.`);
    location.assign(`/dashboard/providers/${created.id}/`);
  } catch (error) {
    if (error instanceof ApiError && Array.isArray(error.body?.problems)) {
      const elsewhere = showProblems('new', error.body.problems.map(renameAccountProblem));
      formError('new-error', elsewhere.length ? elsewhere.join('; ') : 'Some fields need attention.');
    } else if (error instanceof ApiError && error.code === 'provider_name_taken') {
      showProblems('new', [{ field: 'name', message: 'You already own a provider with this name.' }]);
    } else if (error instanceof ApiError && error.code === 'account_not_found') {
      showProblems('new', [{ field: 'account', message: 'You cannot create providers in this account.' }]);
    } else if (error instanceof ApiError && error.status === 403) {
      showProblems('new', [{ field: 'account', message: 'You may not create providers in this account.' }]);
    } else if (error instanceof ApiError) {
      formError('new-error', error.message);
    } else {
      fail(error);
    }
  } finally {
    el('new-submit').disabled = false;
  }
}

function renameAccountProblem(problem) {
  return problem.field === 'account_number' ? { ...problem, field: 'account' } : problem;
}

// ---- one provider -------------------------------------------------------------------------------

let provider = null;
/** The ETag the edit form was filled from: a save sends it as If-Match. */
let formEtag = null;
/** The editable fields as the form was filled, to send only what changed. */
let formBaseline = null;
let historyCursor = null;
let pollTimer = null;

function providerId() {
  return Number(location.pathname.split('/').filter(Boolean)[2]);
}

function editableOf(record) {
  const values = {};
  for (const field of FIELDS) values[field.name] = record[field.name];
  return values;
}

function sameEditable(a, b) {
  return FIELDS.every((field) => (a[field.name] ?? null) === (b[field.name] ?? null));
}

async function fetchRecord() {
  const response = await api(`/api/v1/providers/${providerId()}`);
  return { record: await response.json(), etag: response.headers.get('etag') };
}

function fillForm(record, etag) {
  for (const field of FIELDS) setFieldValue('edit', field, record[field.name]);
  formEtag = etag;
  formBaseline = editableOf(record);
  el('stale').hidden = true;
  clearProblems(el('edit-form'));
  formError('edit-error', '');
}

/**
 * After an action of this page's own (a key, the terms, a verification…), the record's
 * version moved on. The form adopts the new ETag only if the editable fields are still those
 * it was filled from: a change by someone else in between must still end in a 412.
 */
function adopt(record, etag) {
  provider = record;
  if (formBaseline && sameEditable(formBaseline, editableOf(record))) formEtag = etag;
  renderProvider();
}

function renderProvider() {
  const p = provider;
  document.title = `${p.name} · Manage providers`;
  el('p-name').textContent = p.name;
  el('p-meta').textContent = `Account ${p.account_number} · owned by ${p.owner} · id ${p.id}`;
  el('p-badges').replaceChildren(
    badge(p.status, statusKind(p.status)),
    badge(p.is_active ? 'active' : 'inactive', p.is_active ? 'ok' : 'warn'),
    badge(p.has_api_key ? 'key set' : 'no key', p.has_api_key ? 'ok' : 'warn'),
  );
  el('key-state').textContent = p.has_api_key
    ? `A key is set${p.api_key_last4 ? ` (ending in ${p.api_key_last4})` : ''}. It is never shown; enter a new one to replace it.`
    : 'No key is set: nothing can be sent to this provider until one is.';
  el('key-remove').hidden = !p.has_api_key;
  el('terms-state').textContent = p.tos_accepted_at
    ? `Accepted ${formatDate(p.tos_accepted_at)}${p.tos_accepted_by ? ` by ${p.tos_accepted_by}` : ''}.`
    : 'Not accepted yet: a provider cannot be activated before its terms are.';
  el('terms-accept').textContent = p.tos_accepted_at ? 'Accept the terms again' : 'Accept the terms';
  el('verify-state').textContent =
    p.status === 'verifying'
      ? 'Verifying… each check’s result appears as it completes.'
      : p.verified_at
        ? `Last verified ${formatDate(p.verified_at)}; status ${p.status}.`
        : `Status ${p.status}.`;
  el('verify').disabled = p.status === 'verifying';
  el('life-state').textContent = p.is_active
    ? 'Active: it can be used in Prompt passthrough.'
    : 'Inactive: nobody can send prompts to it.';
  el('activate').hidden = p.is_active;
  el('deactivate').hidden = !p.is_active;
  el('moderation').hidden = !me.is_superuser;
  el('suspend').hidden = p.status === 'suspended';
  el('unsuspend').hidden = p.status !== 'suspended';
  el('deprecate').hidden = p.status === 'deprecated';
}

function renderChecks(items, since) {
  const byCheck = new Map(items.map((item) => [item.check, item]));
  const names = [...new Set([...Object.keys(CHECK_LABELS), ...byCheck.keys()])];
  el('checks').replaceChildren(
    ...names.map((name) => {
      const item = byCheck.get(name);
      // While a run is in progress, a result older than it belongs to the previous run.
      const current = item && (since === null || new Date(item.checked_at).getTime() >= since);
      const li = document.createElement('li');
      li.className = 'check';
      li.dataset.check = name;
      const label = document.createElement('span');
      label.className = 'check-name';
      label.textContent = CHECK_LABELS[name] ?? name;
      const state = current
        ? badge(item.ok ? 'passed' : 'failed', item.ok ? 'ok' : 'danger')
        : badge('pending', 'info');
      state.classList.add('check-state');
      li.append(label, state);
      if (current && item.message) {
        const message = document.createElement('span');
        message.className = 'check-message muted';
        message.textContent = item.message;
        li.append(message);
      }
      return li;
    }),
  );
  el('checks').hidden = names.length === 0 || (items.length === 0 && since === null);
}

async function loadChecks(since = null) {
  const page = await json(await api(`/api/v1/providers/${providerId()}/verifications`));
  renderChecks(page.items, since);
}

function stopPolling() {
  clearTimeout(pollTimer);
  pollTimer = null;
}

/** Polls the checks and the status until the run is over, showing each result as it lands. */
function poll(since) {
  stopPolling();
  pollTimer = setTimeout(async () => {
    try {
      await loadChecks(since);
      const { record, etag } = await fetchRecord();
      adopt(record, etag);
      if (record.status === 'verifying') poll(since);
      else {
        await loadChecks();
        await loadHistory(false);
      }
    } catch (error) {
      fail(error);
    }
  }, POLL_MS);
}

async function verify() {
  el('verify').disabled = true;
  formError('life-error', '');
  try {
    const response = await api(`/api/v1/providers/${providerId()}/verify`, { method: 'POST' });
    // The server's clock stamps the results, so this run starts at its Date (to the second),
    // not at the browser's idea of now.
    const date = Date.parse(response.headers.get('date') ?? '');
    const since = (Number.isNaN(date) ? Date.now() : date) - 1_000;
    const { record, etag } = await fetchRecord();
    adopt(record, etag);
    renderChecks([], since);
    poll(since);
  } catch (error) {
    el('verify').disabled = false;
    if (error instanceof ApiError && error.code === 'provider_status_conflict') {
      el('verify-state').textContent = `It cannot be verified now: its status is ${error.body.provider_status}.`;
    } else if (error instanceof ApiError && error.status === 403) {
      el('verify-state').textContent = 'You may not verify this provider.';
    } else fail(error);
  }
}

/** activate, deactivate, suspend, unsuspend, deprecate: the refusals said in words. */
async function lifecycle(action) {
  formError('life-error', '');
  const button = el(action);
  button.disabled = true;
  try {
    await api(`/api/v1/providers/${providerId()}/${action}`, { method: 'POST' });
    const { record, etag } = await fetchRecord();
    adopt(record, etag);
    await loadHistory(false);
  } catch (error) {
    if (error instanceof ApiError && error.code === 'provider_not_activatable') {
      const reasons = (error.body.reasons ?? []).map((r) => BLOCKERS[r] ?? r);
      formError('life-error', `It cannot be activated: ${reasons.join('; ')}.`);
    } else if (error instanceof ApiError && error.code === 'provider_status_conflict') {
      formError('life-error', `Not possible while its status is ${error.body.provider_status}.`);
    } else if (error instanceof ApiError && error.status === 403) {
      formError('life-error', 'You may not do this to this provider.');
    } else if (error instanceof ApiError && error.status !== 404) {
      formError('life-error', error.message);
    } else fail(error);
  } finally {
    button.disabled = false;
  }
}

/** A field's value as a change detector sees it: an empty text and "none" are the same. */
function comparable(field, value) {
  if (field.kind === 'checkbox') return Boolean(value);
  return value === null || value === undefined || value === '' ? null : String(value);
}

async function saveEdits(event) {
  event.preventDefault();
  const form = el('edit-form');
  clearProblems(form);
  formError('edit-error', '');
  el('edit-status').textContent = '';
  const changes = {};
  for (const field of FIELDS) {
    const value = fieldValue('edit', field);
    if (comparable(field, value) !== comparable(field, formBaseline[field.name])) changes[field.name] = value;
  }
  if (Object.keys(changes).length === 0) {
    el('edit-status').textContent = 'Nothing to save.';
    return;
  }
  el('edit-save').disabled = true;
  try {
    const response = await api(`/api/v1/providers/${providerId()}`, {
      method: 'PATCH',
      body: changes,
      headers: formEtag ? { 'If-Match': formEtag } : {},
    });
    provider = await response.json();
    fillForm(provider, response.headers.get('etag'));
    renderProvider();
    el('edit-status').textContent = 'Saved.';
    await loadHistory(false);
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      el('stale').hidden = false;
      el('stale-reload').focus();
    } else if (error instanceof ApiError && Array.isArray(error.body?.problems)) {
      const elsewhere = showProblems('edit', error.body.problems);
      formError('edit-error', elsewhere.length ? elsewhere.join('; ') : 'Some fields need attention.');
    } else if (error instanceof ApiError && error.code === 'provider_name_taken') {
      showProblems('edit', [{ field: 'name', message: 'Its owner already has a provider with this name.' }]);
    } else if (error instanceof ApiError && error.status === 403) {
      formError('edit-error', 'You may not change this provider.');
    } else fail(error);
  } finally {
    el('edit-save').disabled = false;
  }
}

async function reloadProvider() {
  const { record, etag } = await fetchRecord();
  provider = record;
  fillForm(record, etag);
  renderProvider();
  el('edit-status').textContent = 'Reloaded: these are the current values.';
  el('edit-name').focus();
}

async function saveKey(event) {
  event.preventDefault();
  const input = el('key-input');
  el('key-error').hidden = true;
  input.removeAttribute('aria-invalid');
  if (input.value === '') {
    el('key-error').textContent = 'Enter the key first.';
    el('key-error').hidden = false;
    input.setAttribute('aria-invalid', 'true');
    input.focus();
    return;
  }
  el('key-save').disabled = true;
  try {
    await api(`/api/v1/providers/${providerId()}/api-key`, { method: 'PUT', body: { api_key: input.value } });
    input.value = ''; // never kept in the page once it is stored
    const { record, etag } = await fetchRecord();
    adopt(record, etag);
    await loadHistory(false);
  } catch (error) {
    input.value = '';
    if (error instanceof ApiError && (Array.isArray(error.body?.problems) || error.status === 403)) {
      el('key-error').textContent =
        error.status === 403
          ? 'You may not set this provider’s key.'
          : error.body.problems.map((p) => p.message).join('; ');
      el('key-error').hidden = false;
      input.setAttribute('aria-invalid', 'true');
    } else fail(error);
  } finally {
    el('key-save').disabled = false;
  }
}

async function removeKey() {
  try {
    await api(`/api/v1/providers/${providerId()}/api-key`, { method: 'DELETE' });
    const { record, etag } = await fetchRecord();
    adopt(record, etag);
    await loadHistory(false);
  } catch (error) {
    fail(error);
  }
}

async function acceptTerms() {
  el('terms-accept').disabled = true;
  try {
    await api(`/api/v1/providers/${providerId()}/terms/accept`, { method: 'POST' });
    const { record, etag } = await fetchRecord();
    adopt(record, etag);
    await loadHistory(false);
  } catch (error) {
    fail(error);
  } finally {
    el('terms-accept').disabled = false;
  }
}

function historyRow(entry) {
  const tr = document.createElement('tr');
  tr.append(
    cell(formatDate(entry.changed_at), 'When'),
    cell(entry.changed_by ?? '–', 'Who'),
    cell(entry.field ? `${entry.action}: ${entry.field}` : entry.action, 'What'),
    cell(entry.old_value ?? '–', 'From'),
    cell(entry.new_value ?? '–', 'To'),
  );
  return tr;
}

async function loadHistory(more) {
  const params = new URLSearchParams({ limit: '20' });
  if (more && historyCursor !== null) params.set('cursor', historyCursor);
  try {
    const page = await json(await api(`/api/v1/providers/${providerId()}/history?${params}`));
    if (!more) el('history-body').replaceChildren();
    el('history-body').append(...page.items.map(historyRow));
    historyCursor = page.next_cursor;
    el('history-more').hidden = historyCursor === null;
  } catch (error) {
    if (error instanceof ApiError && error.status === 403) {
      el('history-body').replaceChildren();
      el('history-more').hidden = true;
      return false;
    }
    throw error;
  }
  return true;
}

function askDelete() {
  el('delete-dialog-text').textContent =
    `“${provider.name}” will be removed for everyone who uses it. This cannot be undone.`;
  formError('delete-error', '');
  el('delete-dialog').showModal();
}

async function deleteProvider() {
  if (el('delete-dialog').returnValue !== 'delete') {
    el('delete').focus();
    return;
  }
  try {
    await api(`/api/v1/providers/${providerId()}`, {
      method: 'DELETE',
      headers: formEtag ? { 'If-Match': formEtag } : {},
    });
    notice(`Deleted “${provider.name}”.`);
    location.assign('/dashboard/providers/');
  } catch (error) {
    if (error instanceof ApiError && error.status === 412) {
      formError(
        'delete-error',
        'Someone else changed this provider since you opened it: reload it, check, then delete.',
      );
      el('stale').hidden = false;
    } else if (error instanceof ApiError && error.status === 403) {
      formError('delete-error', 'You may not delete this provider.');
    } else fail(error);
  }
}

async function startProvider() {
  if (!Number.isInteger(providerId()) || providerId() <= 0) {
    show('missing');
    return;
  }
  const { record, etag } = await fetchRecord();
  provider = record;
  fillForm(record, etag);
  renderProvider();
  // The history needs provider.manage, as every change does: a reader who may not manage
  // it sees the record, said so, with nothing offered that would only be refused. The page
  // is shown once that is known, so that nothing appears that is then taken away.
  const manages = await loadHistory(false);
  el('read-only').hidden = manages;
  el('manage-grid').hidden = !manages;
  el('history-section').hidden = !manages;
  if (manages) await loadChecks();
  show('provider');
  if (manages && record.status === 'verifying') poll(Date.now() - 60_000);
}

// ---- start ------------------------------------------------------------------------------------

function screen() {
  const parts = location.pathname.split('/').filter(Boolean); // dashboard, providers, [id|new]
  if (parts.length <= 2) return 'list';
  return parts[2] === 'new' ? 'new' : 'provider';
}

async function start() {
  show('loading');
  showNotice();
  try {
    me = await json(await api('/auth/me'));
    if (!Array.isArray(me.accounts)) me.accounts = [];
    renderUser(me);
    const which = screen();
    if (which === 'list') await startList();
    else if (which === 'new') startNew();
    else await startProvider();
  } catch (error) {
    fail(error);
  }
}

async function signOut() {
  el('sign-out').disabled = true;
  try {
    await api('/auth/logout', { method: 'POST' });
  } catch (error) {
    if (!(error instanceof SessionEnded)) {
      el('sign-out').disabled = false;
      fail(error);
      return;
    }
  }
  try {
    sessionStorage.clear();
  } catch {
    // storage disabled: nothing was kept
  }
  sessionEnded();
}

buildFields(el('new-fields'), 'new');
buildFields(el('edit-fields'), 'edit');
el('retry').addEventListener('click', () => void start());
el('sign-out').addEventListener('click', () => void signOut());
el('filters').addEventListener('submit', applyFilters);
el('list-status').addEventListener('change', () => el('filters').requestSubmit());
el('list-more').addEventListener('click', () => loadList(true).catch(fail));
el('new-form').addEventListener('submit', (event) => void createProvider(event));
el('edit-form').addEventListener('submit', (event) => void saveEdits(event));
el('stale-reload').addEventListener('click', () => reloadProvider().catch(fail));
el('key-form').addEventListener('submit', (event) => void saveKey(event));
el('key-remove').addEventListener('click', () => void removeKey());
el('terms-accept').addEventListener('click', () => void acceptTerms());
el('verify').addEventListener('click', () => void verify());
for (const action of ['activate', 'deactivate', 'suspend', 'unsuspend', 'deprecate']) {
  el(action).addEventListener('click', () => void lifecycle(action));
}
el('history-more').addEventListener('click', () => loadHistory(true).catch(fail));
el('delete').addEventListener('click', askDelete);
el('delete-dialog').addEventListener('close', () => void deleteProvider());

void start();
