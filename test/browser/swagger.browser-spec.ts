import type { Browser } from 'playwright-core';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { launchChromium, watchPageProblems } from './support/browser.js';

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
    const page = await browser.newPage();
    const problems = watchPageProblems(page);
    // Swagger UI logs its own failures as console errors; they count too.
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    await page.goto(`http://127.0.0.1:${port}/docs`);
    await page.waitForSelector('.opblock', { timeout: 15_000 });
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
});
