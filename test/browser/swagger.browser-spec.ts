import type { Browser, Locator, Page } from 'playwright-core';
import { DataSource } from 'typeorm';
import { loginAs } from '../support/auth.js';
import { Factories } from '../support/factories.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { launchChromium, watchPageProblems } from './support/browser.js';

interface DocsPage {
  page: Page;
  problems: string[];
  /** An error status the test asks for: Chromium's console report of that answer is no problem. */
  expectAnswer(status: number, path: string): void;
}

/**
 * A page on Swagger UI, watched for problems. Swagger UI logs its own failures as console
 * errors, and they count too; but Chromium also logs every 4xx/5xx answer as a console error
 * ("Failed to load resource"), which is only a problem if the test did not ask for it.
 */
async function openDocs(browser: Browser, port: number): Promise<DocsPage> {
  const page = await browser.newPage();
  const problems = watchPageProblems(page);
  const expected: string[] = [];
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const answered = /^Failed to load resource: the server responded with a status of (\d+)/.exec(m.text());
    const url = m.location().url;
    if (answered && url && expected.includes(`${answered[1]} ${new URL(url).pathname}`)) return;
    problems.push(`console error: ${m.text()}${url ? ` (${url})` : ''}`);
  });
  await page.goto(`http://127.0.0.1:${port}/docs`);
  await page.waitForSelector('.opblock', { timeout: 15_000 });
  return { page, problems, expectAnswer: (status, path) => void expected.push(`${status} ${path}`) };
}

/** The operation block for exactly this method and path (not its longer siblings). */
function operation(page: Page, method: string, path: string): Locator {
  return page.locator(`.opblock-${method}`, {
    has: page.locator(`.opblock-summary-path[data-path="${path}"]`),
  });
}

/**
 * Opens the operation, "Try it out", fills the path parameters and the JSON body, "Execute",
 * and returns the status Swagger UI shows in its live response, with the body it shows.
 */
async function tryItOut(
  op: Locator,
  input: { params?: Record<string, string>; body?: unknown } = {},
): Promise<{ status: string; body: string }> {
  await op.locator('.opblock-summary').click();
  await op.locator('button.try-out__btn').click();
  for (const [name, value] of Object.entries(input.params ?? {})) {
    await op.locator(`tr[data-param-name="${name}"] input`).fill(value);
  }
  if (input.body !== undefined) {
    await op.locator('textarea.body-param__text').fill(JSON.stringify(input.body, null, 2));
  }
  await op.locator('button.execute').click();
  const status = op.locator('.live-responses-table tbody td.response-col_status').first();
  await status.waitFor({ timeout: 10_000 });
  const body = op.locator('.live-responses-table tbody td.response-col_description pre').first();
  return { status: (await status.innerText()).trim(), body: await body.innerText() };
}

/**
 * Swagger UI under the service's Content-Security-Policy, in a real browser: a policy that
 * breaks the page (or its "Try it out" calls) fails here rather than for a developer.
 */
describe('Swagger UI in Chromium', () => {
  let t: TestApp;
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchChromium();
    t = await startTestApp();
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await browser?.close();
    await t?.close();
  });

  it('renders and runs "Try it out" under its policy, with no violation', async () => {
    const port = (t.app.getHttpServer().address() as { port: number }).port;
    const { page, problems } = await openDocs(browser, port);
    expect(await page.locator('.opblock').count()).toBeGreaterThan(5);
    // "Try it out" on GET /healthz: the page calls the API (connect-src) and shows the answer.
    const health = page.locator('.opblock', { hasText: '/healthz' }).first();
    await health.locator('.opblock-summary').click();
    await health.locator('button.try-out__btn').click();
    await health.locator('button.execute').click();
    const status = health.locator('.live-responses-table tbody td.response-col_status').first();
    await status.waitFor({ timeout: 10_000 });
    expect(await status.innerText()).toContain('200');
    expect(problems).toEqual([]);
  });

  it('authorizes with a bearer token and runs create, read and passthrough (path parameter, body)', async () => {
    const port = (t.app.getHttpServer().address() as { port: number }).port;
    const f = new Factories(t.app.get(DataSource));
    const accountNumber = '2000-0000-0002';
    const account = await f.account({ accountNumber });
    await f.profile(await f.user({ username: 'swaggerstaff', isStaff: true }), account);
    const { token } = await loginAs(t, 'swaggerstaff');

    const { page, problems, expectAnswer } = await openDocs(browser, port);
    // "Authorize", the bearer scheme: paste the access token, as the API's description says.
    await page.locator('.auth-wrapper button.authorize').click();
    const bearer = page.locator('.modal-ux .auth-container', { hasText: 'bearer' }).first();
    await bearer.locator('input').fill(token);
    await bearer.locator('button.authorize').click();
    // Swagger UI now shows the scheme as "Authorized", the token masked, and offers "Logout".
    await bearer.locator('h6', { hasText: 'Authorized' }).waitFor({ timeout: 5_000 });
    await page.locator('.modal-ux button.close-modal').click();

    const created = await tryItOut(operation(page, 'post', '/api/v1/providers'), {
      body: { account_number: accountNumber, name: 'Swagger gateway', base_url: 'https://gw.swagger.example/v1' },
    });
    expect(created.status).toBe('201');
    const provider = JSON.parse(created.body) as { id: number; is_active: boolean; has_api_key: boolean };
    expect(provider).toMatchObject({ is_active: false, has_api_key: false });

    const read = await tryItOut(operation(page, 'get', '/api/v1/providers/{id}'), {
      params: { id: String(provider.id) },
    });
    expect(read.status).toBe('200');
    expect(JSON.parse(read.body)).toMatchObject({ id: provider.id, name: 'Swagger gateway' });

    // Readable, but new providers are inactive and keyless: the documented 409, from the
    // route itself (its path parameter and body got through), not a 400 or 404.
    expectAnswer(409, `/api/v1/prompts/passthrough/${provider.id}`);
    const sent = await tryItOut(operation(page, 'post', '/api/v1/prompts/passthrough/{provider}'), {
      params: { provider: String(provider.id) },
      body: { messages: [{ role: 'user', content: 'Hello!' }] },
    });
    expect(sent.status).toBe('409');
    expect(JSON.parse(sent.body)).toMatchObject({ code: 'provider_not_active' });
    expect(problems).toEqual([]);
  });
});
