import jwt from 'jsonwebtoken';
import type { BrowserContext, Page } from 'playwright-core';
import { TEST_JWT_SECRET } from '../support/test-app.js';
import { artifactPath } from './support/browser.js';
import {
  listedProviders,
  pageWidth,
  refreshProviders,
  scriptVisibleState,
  sessionStorageSize,
  waitForState,
} from './support/in-page.js';
import { pageForEachTest, servedInChromium } from './support/served-in-chromium.js';

const PAGE_PATH = '/dashboard/passthrough/';
const LOGIN_PATH = `/login/?next=${encodeURIComponent(PAGE_PATH)}`;

describe('the dashboard page in Chromium', () => {
  const served = servedInChromium();
  let context: BrowserContext;
  let page: Page;

  pageForEachTest(
    served,
    { viewport: { width: 1200, height: 800 }, timeoutMs: 10_000 },
    (opened) => ({ context, page } = opened),
  );

  /** Through the service's own login page, as a person would. */
  async function signInThroughLoginPage(username: string): Promise<void> {
    await page.goto(served.app.origin + PAGE_PATH);
    expect(page.url()).toBe(served.app.origin + LOGIN_PATH);
    await page.fill('#username', username);
    await page.fill('#password', served.app.password(username));
    await Promise.all([page.waitForURL(served.app.origin + PAGE_PATH), page.click('button[type="submit"]')]);
  }

  it('sends an anonymous visitor to sign in, then shows exactly that user’s providers', async () => {
    const providersCall = page.waitForRequest(
      (r) => r.url() === `${served.app.origin}/dashboard/passthrough/api/picker/`,
    );
    await signInThroughLoginPage('alice');
    await waitForState(page, 'picker');

    // The page's calls carry the cookies, never an Authorization header (it has no token).
    const call = await providersCall;
    const headers = await call.allHeaders();
    expect(call.method()).toBe('GET');
    expect(headers.cookie).toContain('access_token=');
    expect(headers.authorization).toBeUndefined();

    const expected = await served.app.providersOf('alice');
    expect(expected.length).toBeGreaterThan(1);
    expect(expected.some((p) => p.base_url === null)).toBe(true); // the demo world has one without a URL
    await expect(listedProviders(page)).resolves.toEqual(expected);
    await expect(page.textContent('#user-name')).resolves.toBe('alice');
    await expect(page.textContent('#provider-count')).resolves.toBe(`${expected.length} providers available to you`);
    await expect(
      page.textContent(`.provider[data-id="${expected.find((p) => p.base_url === null)!.id}"] .provider-url`),
    ).resolves.toBe('No base URL');

    // The page holds no token: the access cookie is HttpOnly, and nothing is kept in storage.
    const visible = await scriptVisibleState(page);
    expect(visible.cookie).toContain('csrftoken=');
    expect(visible.cookie).not.toContain('access_token');
    expect(visible.storage).not.toMatch(/eyJ/); // no JWT anywhere
  });

  it('shows the details of the chosen provider and remembers the choice for the session', async () => {
    await signInThroughLoginPage('alice');
    await waitForState(page, 'picker');
    const providers = await served.app.providersOf('alice');
    const noUrl = providers.find((p) => p.base_url === null)!;

    await page.click(`.provider[data-id="${noUrl.id}"]`);
    await expect(page.textContent('#details-name')).resolves.toBe(noUrl.name);
    await expect(page.textContent('#details-url')).resolves.toMatch(/^None/);
    await expect(page.getAttribute(`.provider[data-id="${noUrl.id}"]`, 'aria-pressed')).resolves.toBe('true');

    await page.reload();
    await waitForState(page, 'picker');
    await expect(page.textContent('#details-name')).resolves.toBe(noUrl.name);

    const withUrl = providers.find((p) => p.base_url !== null)!;
    await page.click(`.provider[data-id="${withUrl.id}"]`);
    await expect(page.textContent('#details-url')).resolves.toBe(withUrl.base_url);
    await expect(page.getAttribute(`.provider[data-id="${noUrl.id}"]`, 'aria-pressed')).resolves.toBe('false');

    await page.screenshot({ path: artifactPath('dashboard.png'), fullPage: true });
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: artifactPath('dashboard-phone.png'), fullPage: true });
    // Nothing wider than a phone's screen: no sideways scrolling.
    await expect(pageWidth(page)).resolves.toBeLessThanOrEqual(390);
  });

  it('narrows the list as the user types in the search box', async () => {
    await signInThroughLoginPage('carol');
    await waitForState(page, 'picker');
    const all = await served.app.providersOf('carol');
    await expect(listedProviders(page)).resolves.toEqual(all);

    for (const query of ['anthropic', 'MISTRAL', 'api.openai.com']) {
      await page.fill('#search', query);
      const expected = all.filter((p) => `${p.name} ${p.base_url ?? ''}`.toLowerCase().includes(query.toLowerCase()));
      expect(expected.length).toBeGreaterThan(0);
      expect(expected.length).toBeLessThan(all.length);
      await expect(listedProviders(page)).resolves.toEqual(expected);
      await expect(page.textContent('#provider-count')).resolves.toBe(
        `${expected.length} of ${all.length} providers match`,
      );
    }

    await page.fill('#search', 'no provider is called this');
    await expect(listedProviders(page)).resolves.toEqual([]);
    await expect(page.isVisible('#no-match')).resolves.toBe(true);

    await page.fill('#search', '');
    await expect(listedProviders(page)).resolves.toEqual(all);
  });

  it('tells a user with no profile that no providers are available to them', async () => {
    await expect(served.app.providersOf('dave')).resolves.toEqual([]);
    await signInThroughLoginPage('dave');
    await waitForState(page, 'empty');
    await expect(page.textContent('#state-empty h1')).resolves.toBe('No providers available to you');
    await expect(page.textContent('#user-name')).resolves.toBe('dave');
    await page.screenshot({ path: artifactPath('dashboard-empty.png') });
  });

  it('signs out, after which the page sends the user to sign in again', async () => {
    await signInThroughLoginPage('bob');
    await waitForState(page, 'picker');
    await page.click(`.provider[data-id="${(await served.app.providersOf('bob'))[0].id}"]`);

    await Promise.all([page.waitForURL(served.app.origin + LOGIN_PATH), page.click('#sign-out')]);
    const cookies = await context.cookies(served.app.origin);
    expect(cookies.map((c) => c.name)).not.toContain('access_token');
    await expect(sessionStorageSize(page)).resolves.toBe(0);

    await page.goto(served.app.origin + PAGE_PATH);
    expect(page.url()).toBe(served.app.origin + LOGIN_PATH);
  });

  it('goes to the login page when the session expires while the page is open', async () => {
    await signInThroughLoginPage('alice');
    await waitForState(page, 'picker');

    // The same session's token, re-signed as if it had been issued two hours ago: the only
    // thing wrong with it is that it has expired.
    const [access] = (await context.cookies(served.app.origin)).filter((c) => c.name === 'access_token');
    const claims = jwt.decode(access.value) as jwt.JwtPayload;
    const now = Math.floor(Date.now() / 1000);
    const expired = jwt.sign({ ...claims, iat: now - 7200, exp: now - 3600 }, TEST_JWT_SECRET, { algorithm: 'HS256' });
    expect(() => jwt.verify(expired, TEST_JWT_SECRET)).toThrow(jwt.TokenExpiredError);
    await context.addCookies([{ ...access, value: expired }]);

    await Promise.all([page.waitForURL(served.app.origin + LOGIN_PATH), page.click('#refresh')]);

    // Signing in again brings the user back to the page.
    await page.fill('#username', 'alice');
    await page.fill('#password', served.app.password('alice'));
    await Promise.all([page.waitForURL(served.app.origin + PAGE_PATH), page.click('button[type="submit"]')]);
    await waitForState(page, 'picker');
  });

  it('shows an error with a retry when the service fails, and recovers', async () => {
    await signInThroughLoginPage('alice');
    await waitForState(page, 'picker');

    let fail = true;
    await page.route('**/dashboard/passthrough/api/picker/', (route) =>
      fail
        ? route.fulfill({
            status: 503,
            contentType: 'application/json',
            body: '{"statusCode":503,"error":"Service Unavailable","message":"database unavailable"}',
          })
        : route.continue(),
    );
    await refreshProviders(page);
    await waitForState(page, 'error');
    await expect(page.textContent('#error-message')).resolves.toBe('The service answered 503: database unavailable.');
    await page.screenshot({ path: artifactPath('dashboard-error.png') });

    fail = false;
    await page.click('#retry');
    await waitForState(page, 'picker');
    await expect(listedProviders(page)).resolves.toEqual(await served.app.providersOf('alice'));
  });

  it('shows a loading state until the providers arrive', async () => {
    await signInThroughLoginPage('alice');
    await waitForState(page, 'picker');

    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route('**/dashboard/passthrough/api/picker/', async (route) => {
      await held;
      await route.continue();
    });
    await page.reload();
    await waitForState(page, 'loading');
    await expect(page.isVisible('#state-loading')).resolves.toBe(true);
    release();
    await waitForState(page, 'picker');
  });

  it('never turns a provider name into markup', async () => {
    await signInThroughLoginPage('alice');
    await waitForState(page, 'picker');
    const hostile = '<img src=x onerror="document.title=\'owned\'"><b>bold</b>';
    await page.route('**/dashboard/passthrough/api/picker/', (route) =>
      route.fulfill({
        status: 200,
        contentType: 'application/json',
        body: JSON.stringify({ providers: [{ id: 1, name: hostile, base_url: null }] }),
      }),
    );
    await refreshProviders(page);
    await page.click('.provider[data-id="1"]');
    await expect(page.textContent('.provider-name')).resolves.toBe(hostile);
    await expect(page.textContent('#details-name')).resolves.toBe(hostile);
    await expect(page.$$('#provider-list img, #details img, #provider-list b')).resolves.toHaveLength(0);
    await expect(page.title()).resolves.not.toBe('owned');
  });
});
