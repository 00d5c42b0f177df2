/// <reference lib="dom" />
import type { BrowserContext, Page } from 'playwright-core';
import { artifactPath, watchPageProblems } from './support/browser.js';
import { servedInChromium } from './support/served-in-chromium.js';
import { SMARTER_APP_VERSION, smarterCompatPage } from './support/smarter-compat-page.js';

const PAGE_PATH = '/__test/smarter-prompt-passthrough/';
const REQUEST_ID = 'smarter-compat-0001';

interface Listed {
  id: number;
  name: string;
  isDefault: boolean;
  apiKey: { name: string | null };
  tosAccepted: boolean;
  baseUrl: string;
}

/**
 * Smarter's dashboard app against this service, in the project's own words: a page that makes
 * exactly the calls of `@smarter/prompt-passthrough` 0.2.4 (listed in
 * support/smarter-compat-page.ts), on the service's origin, with PROVIDERS_LIST_FORMAT=smarter,
 * signed in through /login/ as carol, as issue 13 tried it.
 */
describe(`Smarter's dashboard app (${SMARTER_APP_VERSION}) against the service, in Chromium`, () => {
  const served = servedInChromium({ PROVIDERS_LIST_FORMAT: 'smarter' }, { demoEcho: true });
  let context: BrowserContext;
  let page: Page;
  let problems: string[];
  let carolsProviders: Listed[];

  beforeAll(async () => {
    // "Local echo" (Acme's, alice's) becomes its account's default, as its owner would make it.
    const token = await bearer('alice');
    const found = await fetch(`${served.app.origin}/api/v1/providers?scope=manageable&q=Local%20echo`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const [echo] = ((await found.json()) as { items: { id: number }[] }).items;
    const patched = await fetch(`${served.app.origin}/api/v1/providers/${echo.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ is_default: true }),
    });
    expect(patched.status).toBe(200);
    carolsProviders = (await served.app.providersOf('carol')) as unknown as Listed[];
  });
  beforeEach(async () => {
    context = await served.browser.newContext({ viewport: { width: 1000, height: 800 } });
    context.setDefaultTimeout(10_000);
    problems = [];
    // The page exists on the service's origin for this test only: the browser is handed it
    // for this one path, and every call it makes goes to the real service.
    await context.route(`${served.app.origin}${PAGE_PATH}`, (route) =>
      route.fulfill({
        contentType: 'text/html; charset=utf-8',
        body: smarterCompatPage({
          providerApiUrl: `${served.app.origin}/dashboard/passthrough/api/providers/`,
          apiUrl: `${served.app.origin}/api/v1/prompts/passthrough/`,
          requestId: REQUEST_ID,
        }),
      }),
    );
    page = await context.newPage();
    watchPageProblems(page, problems);
  });
  afterEach(async () => {
    await context.close();
    expect(problems).toEqual([]); // the page never threw: no crash in the panel
  });

  async function bearer(username: string): Promise<string> {
    const res = await fetch(`${served.app.origin}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password: served.app.password(username) }),
    });
    return ((await res.json()) as { access_token: string }).access_token;
  }

  /** Signs in through /login/ as a person would, then opens the page. */
  async function openAs(username: string): Promise<void> {
    await page.goto(`${served.app.origin}/login/`);
    await page.fill('#username', username);
    await page.fill('#password', served.app.password(username));
    await Promise.all([
      page.waitForURL(`${served.app.origin}/dashboard/passthrough/`),
      page.click('button[type="submit"]'),
    ]);
    // A navigation of its own: Playwright hands the page over only on a request that is not
    // the target of a redirect, such as the sign-in's 303 to `next`.
    await page.goto(`${served.app.origin}${PAGE_PATH}`);
    await page.waitForSelector('body[data-state="ready"]');
  }

  const optionIds = () =>
    page.$$eval('#provider option', (options) => options.map((o) => Number((o as HTMLOptionElement).value)));
  const field = (name: string) => page.textContent(`#details dd[data-field="${name}"]`);

  it('lists every provider carol may read, the default preselected, from a call with no body and no CSRF header', async () => {
    // The sign-in lands on the service's own dashboard page, which makes this call too: only the
    // one from the page under test counts.
    const call = page.waitForRequest(
      (r) =>
        r.url() === `${served.app.origin}/dashboard/passthrough/api/providers/` && r.frame().url().endsWith(PAGE_PATH),
    );
    await openAs('carol');
    const request = await call;
    expect(request.method()).toBe('POST');
    expect(request.postData()).toBeNull();
    const headers = await request.allHeaders();
    expect(headers['content-type']).toBe('application/json');
    expect(headers['x-csrftoken']).toBeUndefined();
    expect(headers['x-csrf-token']).toBeUndefined();
    expect((await request.response())?.status()).toBe(200);

    // Every one: the app's filter keeps them all (README: carol reads 15).
    expect(carolsProviders).toHaveLength(15);
    await expect(optionIds()).resolves.toEqual(carolsProviders.map((p) => p.id));
    const defaults = carolsProviders.filter((p) => p.isDefault);
    expect(defaults.map((p) => p.name)).toEqual(['Local echo']);
    await expect(page.$eval('#provider', (s) => Number((s as HTMLSelectElement).value))).resolves.toBe(defaults[0].id);
    await expect(field('slug')).resolves.toBe('local-echo');
    await expect(field('defaultModel')).resolves.toBe('echo-1');
    await page.screenshot({ path: artifactPath('smarter-compat-list.png') });
  });

  it('renders the panel of every provider, one with no key and no accepted terms included', async () => {
    await openAs('carol');
    // llama-lab has no key, no accepted terms and not even a base URL.
    const bare = carolsProviders.find((p) => p.name === 'llama-lab');
    expect(bare).toMatchObject({ apiKey: { name: null }, tosAccepted: false, baseUrl: '' });
    for (const provider of carolsProviders) {
      await page.selectOption('#provider', String(provider.id));
      await page.waitForSelector(`body[data-shown="${provider.id}"]`);
      await expect(field('name')).resolves.toBe(provider.name);
    }
    await page.selectOption('#provider', String(bare!.id));
    await page.waitForSelector(`body[data-shown="${bare!.id}"]`);
    await expect(field('apiKeyName')).resolves.toBe('null');
    await expect(field('tosAccepted')).resolves.toBe('No');
    await expect(field('tosAcceptedBy')).resolves.toBe('null (null)');
    await expect(field('tosAcceptedAt')).resolves.toBe('');
    await expect(field('account')).resolves.toBe('1000-0000-0001');
    await expect(field('user')).resolves.toBe('alice (alice@acme.test)');
    await page.screenshot({ path: artifactPath('smarter-compat-bare-provider.png') });
  });

  it('a send through the demo echo upstream answers 2xx, with the app’s headers and its request id', async () => {
    await openAs('carol');
    const send = page.waitForRequest((r) => r.url() === `${served.app.origin}/api/v1/prompts/passthrough/local-echo/`);
    await page.click('#send');
    const request = await send;
    const response = (await request.response())!;
    const headers = await request.allHeaders();
    const csrf = (await context.cookies(served.app.origin)).find((c) => c.name === 'csrftoken')!.value;
    expect(headers).toMatchObject({
      accept: 'application/json',
      'content-type': 'application/json',
      'x-csrftoken': csrf,
      'x-smarter-client': 'providers-service compatibility test',
      'x-smarter-clientversion': '0.2.4',
      'x-smarter-clienttype': 'react',
      'x-smarter-requestid': REQUEST_ID,
      'x-smarter-capabilities': 'listview,cardview',
    });
    expect(headers.cookie).toContain('access_token=');
    // The service takes the app's request id as its own (src/observability/request-id.ts).
    expect(response.headers()['x-request-id']).toBe(REQUEST_ID);

    await page.waitForSelector('body[data-sent]');
    const shown = JSON.parse((await page.textContent('#response'))!) as {
      status: number;
      body: { model: string; choices: { message: { content: string } }[] };
    };
    expect(shown.status).toBeGreaterThanOrEqual(200);
    expect(shown.status).toBeLessThan(300);
    expect(shown.body.model).toBe('echo-1');
    expect(shown.body.choices[0].message.content).toBe('Hello world');
  });
});
