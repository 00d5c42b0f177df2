/**
 * A page of the project's own that calls the service the way Smarter's dashboard app
 * `@smarter/prompt-passthrough` 0.2.4 does (read from its source for the facts below; none of
 * its code is here). The compatibility test serves it on the service's origin, as Smarter
 * serves its app on its own; the service itself never serves it.
 *
 * What the app does, and so what this page does:
 * - The providers call: `fetch(providerApiUrl, { method: "POST", headers: { "Content-Type":
 *   "application/json" } })`: no body, no CSRF header, the browser's same-origin cookies.
 *   providerApiUrl is the dashboard's `/dashboard/passthrough/api/providers/`.
 * - It accepts an array, `{ providers: [...] }` or one provider, and keeps those whose `id` is
 *   a number and whose `name` and `baseUrl` are strings.
 * - It preselects the first provider with `isDefault`, else the first one; it needs a
 *   non-empty `defaultModel` to build the request it proposes.
 * - Its details panel reads `apiKey.name`, `userProfile.account.accountNumber`,
 *   `userProfile.user.username` and `.email`, `tosAcceptedBy.username` and `.email` without a
 *   null check, formats `tosAcceptedAt`, `createdAt`, `updatedAt`, `contactEmailVerified` and
 *   `supportEmailVerified` with a string method, and joins `tags` and `annotations`.
 * - The send: `fetch(new URL(slug + "/", apiUrl), { method: "POST", credentials: "include",
 *   body })`, apiUrl being `…/api/v1/prompts/passthrough/` and slug `rfc1034CompliantName`,
 *   with `Accept` and `Content-Type: application/json`, `X-CSRFToken` from the `csrftoken`
 *   cookie, `X-Smarter-Client`, `X-Smarter-ClientVersion`, `X-Smarter-ClientType: react`,
 *   `X-Smarter-RequestId` and `X-Smarter-Capabilities`. It shows `{status, body}`; any 2xx is
 *   success.
 */
export const SMARTER_APP_VERSION = '@smarter/prompt-passthrough 0.2.4';

export interface CompatPageOptions {
  providerApiUrl: string;
  apiUrl: string;
  requestId: string;
}

/** The fields the details panel shows, each read exactly as the app reads it. */
const PANEL_SCRIPT = String.raw`
const when = (value) => {
  // As the app does: a string method first (a null here is what crashes its panel).
  const trimmed = value.replace(/(\.\d{3})\d+/, '$1');
  const date = new Date(trimmed);
  return Number.isNaN(date.getTime()) ? value : date.toISOString();
};
const panelFields = (p) => ({
  name: p.name,
  version: 'v' + p.version,
  status: p.status,
  slug: p.rfc1034CompliantName,
  defaultModel: p.defaultModel,
  apiKeyName: p.apiKey.name,
  connectivityTestPath: p.connectivityTestPath,
  account: p.userProfile.account.accountNumber,
  user: p.userProfile.user.username + ' (' + p.userProfile.user.email + ')',
  tosAccepted: p.tosAccepted ? 'Yes' : 'No',
  tosAcceptedBy: p.tosAcceptedBy.username + ' (' + p.tosAcceptedBy.email + ')',
  tosAcceptedAt: when(p.tosAcceptedAt),
  ownershipRequested: p.ownershipRequested ?? 'None',
  created: when(p.createdAt),
  updated: when(p.updatedAt),
  tags: p.tags.length > 0 ? p.tags.join(', ') : 'None',
  annotations: p.annotations.length > 0 ? p.annotations.join(', ') : 'None',
  contact: p.contactEmail + ' (' + when(p.contactEmailVerified) + ')',
  support: p.supportEmail + ' (' + when(p.supportEmailVerified) + ')',
  links: [p.websiteUrl, p.docsUrl, p.termsOfServiceUrl, p.privacyPolicyUrl].map((u) => u ?? '').join(' '),
  logo: p.logo ? p.logo : '',
  flags: [
    ['Active', p.isActive], ['Default', p.isDefault], ['Verified', p.isVerified], ['Featured', p.isFeatured],
    ['Official', p.isOfficialProvider], ['Deprecated', p.isDeprecated], ['Flagged', p.isFlagged],
    ['Suspended', p.isSuspended],
  ].filter(([, on]) => on).map(([label]) => label).join(' '),
});
`;

export function smarterCompatPage(options: CompatPageOptions): string {
  const config = JSON.stringify(options).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Smarter app calls (${SMARTER_APP_VERSION})</title></head>
<body data-state="loading">
  <select id="provider"></select>
  <dl id="details"></dl>
  <button id="send" type="button">Send</button>
  <pre id="response"></pre>
  <script type="module">
    const config = ${config};
    ${PANEL_SCRIPT}
    const keep = (p) => p && typeof p === 'object' && typeof p.id === 'number' && typeof p.name === 'string' && typeof p.baseUrl === 'string';
    const parse = (payload) =>
      Array.isArray(payload) ? payload.filter(keep)
        : payload && Array.isArray(payload.providers) ? payload.providers.filter(keep)
        : keep(payload) ? [payload] : [];
    const cookie = (name) => document.cookie.split('; ').find((c) => c.startsWith(name + '='))?.slice(name.length + 1);
    const proposedRequest = (p) => {
      if (!p.defaultModel) throw new Error('defaultModel is required to propose a request');
      return JSON.stringify({ model: p.defaultModel, messages: [{ role: 'user', content: 'Hello world' }] });
    };

    let providers = [];
    let selected = null;
    const select = document.getElementById('provider');

    function show(provider) {
      selected = provider;
      select.value = String(provider.id);
      const details = document.getElementById('details');
      details.replaceChildren();
      for (const [field, value] of Object.entries(panelFields(provider))) {
        const dt = document.createElement('dt');
        dt.textContent = field;
        const dd = document.createElement('dd');
        dd.dataset.field = field;
        dd.textContent = String(value);
        details.append(dt, dd);
      }
      document.body.dataset.shown = String(provider.id);
    }

    select.addEventListener('change', () => show(providers.find((p) => p.id === Number(select.value))));

    document.getElementById('send').addEventListener('click', async () => {
      const url = new URL(selected.rfc1034CompliantName + '/', config.apiUrl).toString();
      const res = await fetch(url, {
        method: 'POST',
        credentials: 'include',
        headers: {
          Accept: 'application/json',
          'X-CSRFToken': cookie('csrftoken'),
          'Content-Type': 'application/json',
          'X-Smarter-Client': 'providers-service compatibility test',
          'X-Smarter-ClientVersion': '0.2.4',
          'X-Smarter-ClientType': 'react',
          'X-Smarter-RequestId': config.requestId,
          'X-Smarter-Capabilities': 'listview,cardview',
        },
        body: proposedRequest(selected),
      });
      const body = await res.json();
      document.getElementById('response').textContent = JSON.stringify({ status: res.status, body });
      document.body.dataset.sent = String(res.status);
    });

    const res = await fetch(config.providerApiUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' } });
    if (!res.ok) {
      document.body.dataset.state = 'error ' + res.status;
    } else {
      providers = parse(await res.json());
      for (const p of providers) {
        const option = document.createElement('option');
        option.value = String(p.id);
        option.textContent = p.name;
        select.append(option);
      }
      const preselected = providers.filter((p) => Boolean(p.isDefault) === true)[0] || providers[0];
      if (preselected) {
        show(preselected);
        proposedRequest(preselected);
      }
      document.body.dataset.state = 'ready';
    }
  </script>
</body>
</html>`;
}
