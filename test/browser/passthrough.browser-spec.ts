import type { BrowserContext, Page } from 'playwright-core';
import { artifactPath } from './support/browser.js';
import { listedProviders, pageWidth, waitForState } from './support/in-page.js';
import { pageForEachTest, servedInChromium } from './support/served-in-chromium.js';
import { expireSession } from './support/session.js';

const PAGE_PATH = '/dashboard/passthrough/';
const LOGIN_PATH = `/login/?next=${encodeURIComponent(PAGE_PATH)}`;
const PASSTHROUGH = '**/api/v1/prompts/passthrough/**';

interface PickerProvider {
  id: number;
  name: string;
  is_active: boolean;
  has_api_key: boolean;
  is_default: boolean;
  default_model: string;
}

/** `count` distinct words: the demo echo streams one per event, so a long prompt streams for a while. */
const words = (count: number, stem = 'word') => Array.from({ length: count }, (_, i) => `${stem}${i}`).join(' ');

describe('the prompt passthrough screen in Chromium', () => {
  // As after `npm start`: the service serves the demo echo, and "Local echo" points at it.
  const served = servedInChromium({}, { demoEcho: true });
  let context: BrowserContext;
  let page: Page;

  pageForEachTest(
    served,
    { viewport: { width: 1440, height: 900 }, timeoutMs: 15_000 },
    (opened) => ({ context, page } = opened),
  );

  async function signIn(username: string): Promise<void> {
    await page.goto(served.app.origin + PAGE_PATH);
    expect(page.url()).toBe(served.app.origin + LOGIN_PATH);
    await page.fill('#username', username);
    await page.fill('#password', served.app.password(username));
    await Promise.all([page.waitForURL(served.app.origin + PAGE_PATH), page.click('button[type="submit"]')]);
    await waitForState(page, 'picker');
  }

  /** What the page's own list endpoint answers, read with the page's cookies. */
  function picker(): Promise<PickerProvider[]> {
    return page.evaluate(async () => {
      const res = await fetch('/dashboard/passthrough/api/picker/', { headers: { accept: 'application/json' } });
      return ((await res.json()) as { providers: PickerProvider[] }).providers;
    });
  }

  async function choose(name: string): Promise<PickerProvider> {
    const provider = (await picker()).find((p) => p.name === name)!;
    await page.click(`.provider[data-id="${provider.id}"]`);
    await expect(page.textContent('#details-name')).resolves.toBe(name);
    return provider;
  }

  /**
   * Records, inside the page, the answer's text at every DOM change while the answer is
   * still streaming: more than one distinct partial text means it arrived in pieces.
   */
  function recordPartialAnswers(): Promise<void> {
    return page.evaluate(() => {
      const seen: string[] = [];
      (window as unknown as { partials: string[] }).partials = seen;
      const answer = document.getElementById('answer')!;
      new MutationObserver(() => {
        if (answer.getAttribute('aria-busy') === 'true') seen.push(answer.textContent ?? '');
      }).observe(answer, { childList: true, characterData: true, subtree: true });
    });
  }

  const partials = () => page.evaluate(() => (window as unknown as { partials: string[] }).partials);

  it('preselects the default provider, else the first, and shows what matters before sending', async () => {
    await signIn('alice');
    const providers = await picker();
    const expected = providers.find((p) => p.is_default) ?? providers[0];
    await expect(page.textContent('#details-name')).resolves.toBe(expected.name);
    await expect(page.getAttribute(`.provider[data-id="${expected.id}"]`, 'aria-pressed')).resolves.toBe('true');

    await choose('Local echo');
    await expect(page.textContent('#details-model')).resolves.toBe('echo-1');
    await expect(page.textContent('#details-status')).resolves.toMatch(/^verified/);
    await expect(page.textContent('#details-active')).resolves.toBe('Yes');
    await expect(page.textContent('#details-key')).resolves.toBe('Set');
    await expect(page.inputValue('#model')).resolves.toBe('echo-1');
    await expect(page.isDisabled('#send')).resolves.toBe(false);
    await expect(page.isVisible('#send-reason')).resolves.toBe(false);
  });

  it('lists exactly the providers the seed list gives, for a superuser too (whose answer is streamed)', async () => {
    for (const username of ['alice', 'admin']) {
      await signIn(username);
      const expected = await served.app.providersOf(username);
      await expect(listedProviders(page)).resolves.toEqual(expected);
      const picked = await picker();
      expect(picked.map((p) => p.id)).toEqual(expected.map((p) => p.id));
      await page.click('#sign-out');
      await page.waitForURL(/\/login\//);
    }
  });

  it('as alice, streams the answer of "Local echo" into the page in pieces, with its figures', async () => {
    await signIn('alice');
    const echo = await choose('Local echo');
    const prompt = words(40);
    await page.fill('#system', 'Be brief.');
    await page.fill('#prompt', prompt);
    await recordPartialAnswers();

    const request = page.waitForRequest((r) => r.url().endsWith(`/api/v1/prompts/passthrough/${echo.id}/`));
    // Ctrl+Enter in the prompt box sends, as the hint under the buttons says.
    await page.press('#prompt', 'Control+Enter');
    const sent = await request;
    await page.waitForFunction(() => document.getElementById('answer-state')?.textContent === 'Done');

    await expect(page.textContent('#answer')).resolves.toBe(prompt);
    const seen = await partials();
    const distinct = new Set(seen.filter((text) => text !== '' && text !== prompt));
    expect(distinct.size).toBeGreaterThan(1); // more than one update before the end
    await expect(page.textContent('#metric-ttft')).resolves.toMatch(/^\d+(\.\d+)? m?s$/);
    await expect(page.textContent('#metric-total')).resolves.toMatch(/^\d+(\.\d+)? m?s$/);
    // The echo counts words: 2 of the system message and 40 of the prompt, 40 back.
    await expect(page.textContent('#metric-tokens')).resolves.toBe('42 prompt + 40 completion = 82');

    // The call: the cookies and the CSRF header, never a token, and the body built from the fields.
    const headers = await sent.allHeaders();
    const csrf = (await context.cookies(served.app.origin)).find((c) => c.name === 'csrftoken')!;
    expect(sent.method()).toBe('POST');
    expect(headers['x-csrf-token']).toBe(decodeURIComponent(csrf.value));
    expect(headers.authorization).toBeUndefined();
    expect(JSON.parse(sent.postData()!)).toEqual({
      model: 'echo-1',
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: prompt },
      ],
      stream: true,
      stream_options: { include_usage: true },
    });

    // The exchange is in this session's history, with a curl command that has no credential.
    await expect(page.locator('#history-list .history-item').count()).resolves.toBe(1);
    const curl = (await page.textContent('#history-list .curl'))!;
    expect(curl).toContain(`${served.app.origin}/api/v1/prompts/passthrough/${echo.id}/`);
    expect(curl).toContain('-H "Authorization: Bearer $TOKEN"');
    const access = (await context.cookies(served.app.origin)).find((c) => c.name === 'access_token')!;
    expect(curl).not.toContain(access.value);
    expect(curl).not.toContain(csrf.value);
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: served.app.origin });
    await page.click('#history-list .copy-curl');
    await expect(page.evaluate(() => navigator.clipboard.readText())).resolves.toBe(curl);
    const stored = await page.evaluate(() => sessionStorage.getItem('providers-dashboard.history'));
    expect(JSON.parse(stored!)).toHaveLength(1);

    await page.screenshot({ path: artifactPath('passthrough.png'), fullPage: true });
    await page.setViewportSize({ width: 375, height: 812 });
    await expect(pageWidth(page)).resolves.toBeLessThanOrEqual(375);
    await page.screenshot({ path: artifactPath('passthrough-375.png'), fullPage: true });
  });

  it('sends exactly the raw JSON body shown, as edited, and Enter in the model field sends', async () => {
    await signIn('alice');
    await choose('Local echo');
    await page.fill('#prompt', 'Hello, raw world');
    await page.check('#raw-toggle');
    const shown = JSON.parse(await page.inputValue('#raw-body'));
    expect(shown).toEqual({
      model: 'echo-1',
      messages: [{ role: 'user', content: 'Hello, raw world' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const edited = { ...shown, stream: false, messages: [{ role: 'user', content: 'Edited by hand' }], n: 1 };
    await page.fill('#raw-body', JSON.stringify(edited));
    const request = page.waitForRequest((r) => r.url().includes('/api/v1/prompts/passthrough/'));
    await page.press('#raw-body', 'Control+Enter');
    expect(JSON.parse((await request).postData()!)).toEqual(edited);
    await page.waitForFunction(() => document.getElementById('answer-state')?.textContent === 'Done');
    await expect(page.textContent('#answer')).resolves.toBe('Edited by hand'); // not streamed: one piece

    // Invalid JSON is said so, and nothing is sent.
    await page.fill('#raw-body', '{ "messages": ');
    await page.click('#send');
    await expect(page.textContent('#raw-error')).resolves.toMatch(/^The request body is not valid JSON/);

    // Back to the fields: what the raw body said is in them; Enter in the model field sends.
    await page.fill(
      '#raw-body',
      JSON.stringify({ model: 'echo-1', messages: [{ role: 'user', content: 'From raw' }] }),
    );
    await page.uncheck('#raw-toggle');
    await expect(page.inputValue('#prompt')).resolves.toBe('From raw');
    await page.press('#model', 'Enter');
    await page.waitForFunction(() => document.getElementById('answer-state')?.textContent === 'Done');
    await expect(page.textContent('#answer')).resolves.toBe('From raw');
  });

  it('stops an answer mid-stream, with Stop and with Esc', async () => {
    await signIn('alice');
    await choose('Local echo');
    const prompt = words(400);
    await page.fill('#prompt', prompt);

    for (const how of ['click', 'Escape'] as const) {
      await page.click('#send');
      await page.waitForFunction(() => (document.getElementById('answer')?.textContent ?? '').length > 20);
      await expect(page.isDisabled('#send')).resolves.toBe(true);
      if (how === 'click') await page.click('#stop');
      else await page.keyboard.press('Escape');
      await page.waitForFunction(() => document.getElementById('answer-state')?.textContent === 'Stopped');
      const partial = (await page.textContent('#answer'))!;
      expect(partial.length).toBeGreaterThan(0);
      expect(prompt.startsWith(partial)).toBe(true);
      expect(partial.length).toBeLessThan(prompt.length);
      await expect(page.isDisabled('#send')).resolves.toBe(false);
      await expect(page.isDisabled('#stop')).resolves.toBe(true);
    }
    await expect(page.textContent('#history-list .history-item .muted')).resolves.toContain('stopped');
  });

  it('lets an inactive or keyless provider be picked, but not sent to, and says why', async () => {
    await signIn('alice');
    const providers = await picker();
    const inactive = providers.find((p) => !p.is_active)!;
    const keyless = providers.find((p) => p.is_active && !p.has_api_key)!;
    expect(inactive).toBeDefined();
    expect(keyless).toBeDefined();

    await expect(page.textContent(`.provider[data-id="${inactive.id}"] .provider-badges`)).resolves.toBe('inactive');
    await choose(inactive.name);
    await expect(page.isDisabled('#send')).resolves.toBe(true);
    await expect(page.textContent('#send-reason')).resolves.toMatch(/is not active/);
    await expect(page.textContent('#details-active')).resolves.toBe('No');
    await page.screenshot({ path: artifactPath('passthrough-inactive.png'), fullPage: true });

    await choose(keyless.name);
    await expect(page.isDisabled('#send')).resolves.toBe(true);
    await expect(page.textContent('#send-reason')).resolves.toMatch(/has no API key/);
    await expect(page.textContent('#details-key')).resolves.toBe('Not set');

    await choose('Local echo');
    await expect(page.isDisabled('#send')).resolves.toBe(false);
    await expect(page.isVisible('#send-reason')).resolves.toBe(false);
  });

  it('says each refusal in words: 409, 429 with the wait, an upstream failure with its status', async () => {
    await signIn('alice');
    await choose('Local echo');
    await page.fill('#prompt', 'hello');
    const answers = [
      {
        status: 409,
        body: { statusCode: 409, error: 'Conflict', message: 'provider is not active', code: 'provider_not_active' },
        said: 'This provider is not active, so nothing was sent. Its manager can activate it.',
      },
      {
        status: 409,
        body: {
          statusCode: 409,
          error: 'Conflict',
          message: 'provider has no API key',
          code: 'provider_has_no_api_key',
        },
        said: 'This provider has no API key, so nothing was sent. Its manager can set one.',
      },
      {
        status: 429,
        headers: { 'retry-after': '7' },
        body: {
          statusCode: 429,
          error: 'Too Many Requests',
          message: 'At most 4 passthrough calls at a time per user',
        },
        said: 'Slow down: too many prompts at once (At most 4 passthrough calls at a time per user). Try again in 7 seconds.',
      },
      {
        status: 502,
        body: {
          statusCode: 502,
          error: 'Bad Gateway',
          message: 'http://127.0.0.1 answered 503',
          code: 'upstream_server_error',
          upstream_status: 503,
        },
        said: 'The provider’s server failed: it answered 503 (http://127.0.0.1 answered 503).',
      },
      {
        status: 400,
        body: { error: { message: 'model not found', type: 'invalid_request_error' } },
        said: 'The provider answered 400: model not found.',
      },
    ];
    for (const answer of answers) {
      await page.route(PASSTHROUGH, (route) =>
        route.fulfill({
          status: answer.status,
          headers: { 'content-type': 'application/json', ...answer.headers },
          body: JSON.stringify(answer.body),
        }),
      );
      await page.click('#send');
      await page.waitForFunction(() => document.getElementById('answer-state')?.textContent === 'Failed');
      await expect(page.textContent('#answer-error')).resolves.toBe(answer.said);
      await page.unroute(PASSTHROUGH);
    }
    await page.screenshot({ path: artifactPath('passthrough-error.png'), fullPage: true });
  });

  it('sends an expired session to sign in, then back to the screen with the prompt kept', async () => {
    await signIn('alice');
    const echo = await choose('Local echo');
    await page.fill('#prompt', 'kept across the sign-in');

    await expireSession(context, served.app.origin);

    await Promise.all([page.waitForURL(served.app.origin + LOGIN_PATH), page.click('#send')]);
    await page.fill('#username', 'alice');
    await page.fill('#password', served.app.password('alice'));
    await Promise.all([page.waitForURL(served.app.origin + PAGE_PATH), page.click('button[type="submit"]')]);
    await waitForState(page, 'picker');
    await expect(page.textContent('#details-name')).resolves.toBe('Local echo');
    await expect(page.inputValue('#prompt')).resolves.toBe('kept across the sign-in');

    await page.click('#send');
    await page.waitForFunction(() => document.getElementById('answer-state')?.textContent === 'Done');
    await expect(page.textContent('#answer')).resolves.toBe('kept across the sign-in');
    expect(echo.name).toBe('Local echo');
  });

  it('never turns a provider name or an answer into markup', async () => {
    await signIn('alice');
    const hostile = '<img src=x onerror="document.title=\'owned\'"><b>bold</b>';
    await page.route('**/dashboard/passthrough/api/picker/', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({
          providers: [
            {
              id: 1,
              name: hostile,
              base_url: hostile,
              default_model: hostile,
              docs_url: 'javascript:document.title="owned"',
              status: hostile,
              is_active: true,
              is_default: true,
              has_api_key: true,
              verified_at: null,
            },
          ],
        }),
      }),
    );
    const chunk = (content: string) =>
      `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
    await page.route(PASSTHROUGH, (route) =>
      route.fulfill({
        status: 200,
        headers: { 'content-type': 'text/event-stream' },
        body:
          chunk('<img src=x ') +
          chunk('onerror="document.title=\'owned\'">') +
          chunk('<b>bold</b>') +
          'data: [DONE]\n\n',
      }),
    );
    await page.click('#refresh');
    // The list is fetched again: wait for it to be drawn, then read it.
    await page.waitForFunction((name) => document.querySelector('#details-name')?.textContent === name, hostile);
    await expect(page.textContent('#details-name')).resolves.toBe(hostile);
    await expect(page.textContent('.provider-name')).resolves.toBe(hostile);
    await expect(page.textContent('#details-docs')).resolves.toBe('javascript:document.title="owned"');
    await expect(page.$$('#details-docs a')).resolves.toHaveLength(0);
    await page.fill('#prompt', 'anything');
    await page.click('#send');
    await page.waitForFunction(() => document.getElementById('answer-state')?.textContent === 'Done');
    await expect(page.textContent('#answer')).resolves.toBe(hostile);
    await expect(page.textContent('#history-list .history-head strong')).resolves.toBe(hostile);
    await expect(page.$$('main img, main b')).resolves.toHaveLength(0);
    await expect(page.title()).resolves.not.toBe('owned');
  });
});
