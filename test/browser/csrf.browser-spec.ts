import type { BrowserContext, Page } from 'playwright-core';
import { CROSS_ORIGIN_MESSAGE } from '../../src/auth/cookie-jwt.authenticator.js';
import { artifactPath } from './support/browser.js';
import { servedInChromium } from './support/served-in-chromium.js';
import { serveStaticPages, type StaticPages } from './support/static-pages.js';

/**
 * CSRF by Fetch Metadata in a real browser: Chromium, not the test, says where each request
 * comes from (Sec-Fetch-Site, Origin). The target is a state change the victim may make: alice
 * deactivating her own provider "llama-lab". A forged request must leave it active; the
 * service's own page, sending no CSRF token at all, may deactivate it.
 */
describe('CSRF by Fetch Metadata, in Chromium', () => {
  const served = servedInChromium();
  let pages: StaticPages;
  let context: BrowserContext;
  let token: string;
  let target: { id: number; url: string };

  beforeAll(async () => {
    pages = await serveStaticPages();
    const login = await fetch(`${served.app.origin}/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'alice', password: served.app.password('alice') }),
    });
    token = ((await login.json()) as { access_token: string }).access_token;
    const found = await fetch(`${served.app.origin}/api/v1/providers?scope=manageable&q=llama-lab`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const [{ id }] = ((await found.json()) as { items: { id: number }[] }).items;
    target = { id, url: `${served.app.origin}/api/v1/providers/${id}/deactivate` };
  });
  afterAll(async () => {
    await pages?.close();
  });
  beforeEach(async () => {
    context = await served.browser.newContext();
    context.setDefaultTimeout(10_000);
    // alice signs in on the service, as a person would before visiting the other site.
    const signIn = await context.request.post(`${served.app.origin}/auth/login`, {
      data: { username: 'alice', password: served.app.password('alice') },
    });
    expect(signIn.status()).toBe(200);
  });
  afterEach(async () => {
    await context.close();
  });

  const isActive = async (): Promise<boolean> => {
    const res = await fetch(`${served.app.origin}/api/v1/providers/${target.id}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return ((await res.json()) as { is_active: boolean }).is_active;
  };

  /** A page on another origin with a form that posts to the target, submitted as a click would. */
  async function postFormFrom(origin: string): Promise<Page> {
    pages.set(
      '/prize',
      `<!doctype html><title>You won</title>
       <form method="post" action="${target.url}">
         <input type="hidden" name="reason" value="csrf">
         <button id="claim" type="submit">Claim your prize</button>
       </form>`,
    );
    const page = await context.newPage();
    await page.goto(`${origin}/prize`);
    await Promise.all([page.waitForURL((url) => url.origin === served.app.origin), page.click('#claim')]);
    return page;
  }

  /**
   * fetch() from a page on another origin, as its script would send it: whether it went out,
   * the cookies the browser attached, and the status the service answered with when the
   * browser reports it. The page cannot read a cross-origin answer, and neither can
   * Playwright's own events (a refused CORS read is a failed request to them), so all this
   * is taken from the browser's network layer (the DevTools protocol).
   */
  async function fetchFrom(
    origin: string,
    init: RequestInit,
  ): Promise<{ sent: boolean; cookies: string[]; status: number | null }> {
    pages.set('/script', '<!doctype html><title>Innocent</title><p>Nothing to see.</p>');
    const page = await context.newPage();
    await page.goto(`${origin}/script`);
    const cdp = await context.newCDPSession(page);
    // By request id, whatever the order the events come in ("extra info" may come first).
    const sent = new Set<string>();
    const cookiesOf = new Map<string, string[]>();
    const statusOf = new Map<string, number>();
    const endedAt = new Map<string, number>();
    cdp.on('Network.requestWillBeSent', (e) => {
      if (e.request.url === target.url && e.request.method === 'POST') sent.add(e.requestId);
    });
    cdp.on('Network.requestWillBeSentExtraInfo', (e) => {
      cookiesOf.set(
        e.requestId,
        e.associatedCookies.filter((c) => c.blockedReasons.length === 0).map((c) => c.cookie.name),
      );
    });
    cdp.on('Network.responseReceivedExtraInfo', (e) => void statusOf.set(e.requestId, e.statusCode));
    cdp.on('Network.loadingFinished', (e) => void endedAt.set(e.requestId, Date.now()));
    cdp.on('Network.loadingFailed', (e) => void endedAt.set(e.requestId, Date.now()));
    await cdp.send('Network.enable');
    const outcome = await page.evaluate(
      ([url, options]) =>
        fetch(url, options as RequestInit).then(
          (r) => `read ${r.type} ${r.status}`,
          (e: Error) => e.name,
        ),
      [target.url, init] as const,
    );
    // Either way, the script learns nothing: an error, or an opaque answer with no status.
    expect(['TypeError', 'read opaque 0']).toContain(outcome);
    // The protocol's events come on their own schedule, the "extra info" ones even after the
    // request has ended: wait for the end, then a moment for them.
    const since = Date.now();
    for (;;) {
      const [id] = sent;
      if (id === undefined && Date.now() - since > 500) return { sent: false, cookies: [], status: null };
      if (id !== undefined) {
        // What went on the wire is what the "extra info" says: a request whose preflight was
        // refused has none, as it never left.
        const ended = endedAt.get(id);
        if (cookiesOf.has(id) && statusOf.has(id))
          return { sent: true, cookies: cookiesOf.get(id)!, status: statusOf.get(id)! };
        if (ended !== undefined && Date.now() - ended > 300)
          return { sent: cookiesOf.has(id), cookies: cookiesOf.get(id) ?? [], status: statusOf.get(id) ?? null };
      }
      if (Date.now() - since > 5000) throw new Error('the request’s events never settled');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /**
   * The session cookies again, as a browser that ignores SameSite (or a cookie set without it)
   * would send them on a cross-site request: what is left then is the service's own defence.
   */
  async function cookiesWithoutSameSite(): Promise<void> {
    const cookies = await context.cookies(served.app.origin);
    expect(cookies.map((c) => c.name).sort()).toEqual(['access_token', 'csrftoken']);
    await context.addCookies(cookies.map((c) => ({ ...c, sameSite: 'None' as const, secure: true })));
  }

  const crossSite = () => `http://127.0.0.1:${pages.port}`;
  const sameSite = () => `http://localhost:${pages.port}`;

  it('a cross-site form post is refused (with the browser’s SameSite=Lax cookies: no session at all)', async () => {
    const page = await postFormFrom(crossSite());
    expect(new URL(page.url()).pathname).toBe('/login/'); // the service saw no session and asked to sign in
    await expect(isActive()).resolves.toBe(true);
  });

  it('a cross-site form post carrying the session cookie is refused by Fetch Metadata: 403', async () => {
    await cookiesWithoutSameSite();
    const page = await postFormFrom(crossSite());
    expect(page.url()).toBe(target.url);
    await expect(page.textContent('body')).resolves.toContain(CROSS_ORIGIN_MESSAGE);
    await page.screenshot({ path: artifactPath('csrf-cross-site-form.png') });
    await expect(isActive()).resolves.toBe(true);
  });

  it('a form post from another origin of the same site, with the session cookie, is refused: 403', async () => {
    const page = await postFormFrom(sameSite());
    expect(page.url()).toBe(target.url);
    await expect(page.textContent('body')).resolves.toContain(CROSS_ORIGIN_MESSAGE);
    await expect(isActive()).resolves.toBe(true);
  });

  it('a cross-site fetch is refused', async () => {
    await cookiesWithoutSameSite();
    // A simple request (no preflight), so that it does go out: Chromium attaches no session to
    // it (third-party cookies), and what the service answers is not the page's to read (CORP).
    const simple = await fetchFrom(crossSite(), { method: 'POST', credentials: 'include', mode: 'no-cors' });
    expect(simple).toMatchObject({ sent: true, cookies: [] });
    expect([401, null]).toContain(simple.status); // the service saw no session, when Chromium says
    // As the dashboard app's call is made (JSON): the preflight is refused and it never goes out.
    await expect(
      fetchFrom(crossSite(), {
        method: 'POST',
        credentials: 'include',
        headers: { 'Content-Type': 'application/json' },
      }),
    ).resolves.toEqual({ sent: false, cookies: [], status: null });
    await expect(isActive()).resolves.toBe(true);
  });

  it('a fetch from another origin of the same site, with the session cookie, is refused: 403', async () => {
    const seen = await fetchFrom(sameSite(), { method: 'POST', credentials: 'include', mode: 'no-cors' });
    expect(seen).toEqual({ sent: true, cookies: expect.arrayContaining(['access_token']), status: 403 });
    await expect(isActive()).resolves.toBe(true);
  });

  it('a same-origin fetch with no CSRF token is accepted', async () => {
    const page = await context.newPage();
    // Any page of the service's origin will do; this one exists only in this test.
    await page.route(`${served.app.origin}/__test/blank`, (route) =>
      route.fulfill({ contentType: 'text/html', body: '<!doctype html><title>Own page</title>' }),
    );
    await page.goto(`${served.app.origin}/__test/blank`);
    const result = await page.evaluate(async (url) => {
      const providers = await fetch('/dashboard/passthrough/api/providers/', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
      });
      const deactivated = await fetch(url, { method: 'POST' });
      return {
        providers: providers.status,
        count: ((await providers.json()) as { providers: unknown[] }).providers.length,
        deactivated: deactivated.status,
        cookie: document.cookie.includes('csrftoken='),
      };
    }, target.url);
    expect(result).toEqual({
      providers: 200,
      count: (await served.app.providersOf('alice')).length,
      deactivated: 200,
      cookie: true, // the token was there to send, and was not sent
    });
    await expect(isActive()).resolves.toBe(false);
  });
});
