import type { BrowserContext, Page } from 'playwright-core';
import { DashboardPage } from '../../src/dashboard/dashboard-page.js';
import { artifactPath, watchPageProblems } from './support/browser.js';
import { serveOtherOrigin, type OtherOrigin } from './support/other-origin.js';
import { listedProviders, scriptVisibleState } from './support/in-page.js';
import { servedInChromium } from './support/served-in-chromium.js';

/**
 * The page served from another origin (as the dashboard app is), calling the service with
 * credentials. Only an origin listed in CORS_ORIGINS may read the answers.
 */
describe('the dashboard page on another origin, in Chromium', () => {
  let allowed: OtherOrigin;
  let refused: OtherOrigin;
  let context: BrowserContext;
  let problems: string[];

  beforeAll(async () => {
    // The other origins exist first: the service's CORS_ORIGINS must name the allowed one.
    allowed = await serveOtherOrigin(() => served.app.t.app.get(DashboardPage));
    refused = await serveOtherOrigin(() => served.app.t.app.get(DashboardPage));
  });
  const served = servedInChromium(() => ({ CORS_ORIGINS: allowed.origin }));
  beforeAll(() => {
    allowed.setApiBase(served.app.origin);
    refused.setApiBase(served.app.origin);
  });
  afterAll(async () => {
    await allowed?.close();
    await refused?.close();
  });
  beforeEach(async () => {
    context = await served.browser.newContext({ viewport: { width: 1200, height: 800 } });
    context.setDefaultTimeout(10_000);
    problems = [];
  });
  afterEach(async () => {
    await context.close();
    expect(problems).toEqual([]);
  });

  async function open(origin: OtherOrigin): Promise<Page> {
    const page = await context.newPage();
    watchPageProblems(page, problems); // every page's problems, checked in afterEach
    await page.goto(`${origin.origin}/`);
    return page;
  }

  async function signIn(page: Page, username: string): Promise<void> {
    await page.waitForSelector('#sign-in-form', { state: 'visible' });
    await page.fill('#sign-in-username', username);
    await page.fill('#sign-in-password', served.app.password(username));
    await page.click('#sign-in-submit');
  }

  it('an allowed origin signs in with credentials and lists that user’s providers', async () => {
    const page = await open(allowed);
    await page.waitForSelector('body[data-state="sign-in"]');
    await expect(page.textContent('#sign-in-note')).resolves.toBe('Sign in to see the providers available to you.');
    await page.screenshot({ path: artifactPath('dashboard-sign-in.png') });

    await signIn(page, 'carol');
    await page.waitForSelector('body[data-state="picker"]');
    await expect(listedProviders(page)).resolves.toEqual(await served.app.providersOf('carol'));
    await expect(page.textContent('#user-name')).resolves.toBe('carol');
    expect(page.url()).toBe(`${allowed.origin}/`); // it never left its own origin

    // The page holds no token: the answer to the sign-in was never read, the cookie is HttpOnly.
    await expect(scriptVisibleState(page)).resolves.toEqual({
      cookie: expect.stringContaining('csrftoken='),
      storage: '{}{}',
    });
    await expect(scriptVisibleState(page).then((s) => s.cookie)).resolves.not.toContain('access_token');

    await page.click('#sign-out');
    await page.waitForSelector('body[data-state="sign-in"]');
    await expect(page.textContent('#sign-in-note')).resolves.toBe('You have signed out.');
    expect((await context.cookies(served.app.origin)).map((c) => c.name)).not.toContain('access_token');
  });

  it('a wrong password is said so, on the page', async () => {
    const page = await open(allowed);
    await page.waitForSelector('#sign-in-form', { state: 'visible' });
    await page.fill('#sign-in-username', 'alice');
    await page.fill('#sign-in-password', 'not alice’s password');
    await page.click('#sign-in-submit');
    await page.waitForSelector('#sign-in-error', { state: 'visible' });
    await expect(page.textContent('#sign-in-error')).resolves.toBe('Wrong username or password.');
  });

  it('an origin not in the list cannot read the answers, even with a signed-in browser', async () => {
    // Signed in through the allowed origin: the browser holds valid cookies for the service.
    const good = await open(allowed);
    await signIn(good, 'alice');
    await good.waitForSelector('body[data-state="picker"]');

    const page = await open(refused);
    await page.waitForSelector('body[data-state="error"]');
    await expect(page.textContent('#error-message')).resolves.toBe(
      `Could not reach the service at ${served.app.origin}.`,
    );
    await expect(page.isVisible('#session')).resolves.toBe(false);

    // The browser sends the cookies but withholds every answer from this origin's script.
    const attempts = await page.evaluate(async (api) => {
      const outcome = (p: Promise<Response>) =>
        p.then(
          (r) => `read ${r.status}`,
          (e: Error) => e.name,
        );
      return {
        me: await outcome(fetch(`${api}/auth/me`, { credentials: 'include' })),
        providers: await outcome(
          fetch(`${api}/dashboard/passthrough/api/providers/`, {
            method: 'POST',
            credentials: 'include',
            headers: { 'Content-Type': 'application/json' },
          }),
        ),
        login: await outcome(
          fetch(`${api}/auth/login`, {
            method: 'POST',
            credentials: 'include',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify({ username: 'alice', password: 'pw-alice' }),
          }),
        ),
      };
    }, served.app.origin);
    expect(attempts).toEqual({ me: 'TypeError', providers: 'TypeError', login: 'TypeError' });

    // The service itself gives the refused origin no CORS grant.
    const preflight = await fetch(`${served.app.origin}/dashboard/passthrough/api/providers/`, {
      method: 'OPTIONS',
      headers: {
        origin: refused.origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-csrf-token',
      },
    });
    expect(preflight.headers.get('access-control-allow-origin')).toBeNull();
    const granted = await fetch(`${served.app.origin}/dashboard/passthrough/api/providers/`, {
      method: 'OPTIONS',
      headers: {
        origin: allowed.origin,
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'content-type,x-csrf-token',
      },
    });
    expect(granted.headers.get('access-control-allow-origin')).toBe(allowed.origin);
    expect(granted.headers.get('access-control-allow-credentials')).toBe('true');
  });
});
