import type { BrowserContext, Page } from 'playwright-core';
import { seriousViolations } from './support/axe.js';
import { artifactPath, watchPageProblems } from './support/browser.js';
import { pageWidth, waitForState } from './support/in-page.js';
import { servedInChromium } from './support/served-in-chromium.js';

const PASSTHROUGH = '/dashboard/passthrough/';
const WIDTHS = [375, 1440] as const;

/**
 * Every screen of the dashboard, at a phone's width and a desktop's: axe-core finds no
 * serious or critical violation, nothing is wider than the window, and a screenshot of each
 * is kept in test-artifacts/.
 */
describe('the dashboard screens, checked by axe-core at 375 px and 1440 px', () => {
  const served = servedInChromium({}, { demoEcho: true });
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  afterEach(async () => {
    await context?.close();
    expect(problems).toEqual([]);
  });

  async function open(width: number, username: string | null, path = PASSTHROUGH): Promise<void> {
    context = await served.browser.newContext({ viewport: { width, height: 900 } });
    context.setDefaultTimeout(15_000);
    page = await context.newPage();
    problems = watchPageProblems(page);
    if (username === null) return;
    await page.goto(served.app.origin + path);
    await page.fill('#username', username);
    await page.fill('#password', served.app.password(username));
    await Promise.all([page.waitForURL(served.app.origin + path), page.click('button[type="submit"]')]);
  }

  async function check(name: string, width: number): Promise<void> {
    await expect(seriousViolations(page)).resolves.toEqual([]);
    await expect(pageWidth(page)).resolves.toBeLessThanOrEqual(width);
    await page.screenshot({ path: artifactPath(`screen-${name}-${width}.png`), fullPage: true });
  }

  it('finds a planted violation, so a clean result means something', async () => {
    await open(1440, null);
    await page.goto(served.app.origin + PASSTHROUGH);
    await page.waitForSelector('#username');
    await page.evaluate(() => {
      // A button with no text and no label: a critical violation.
      document.querySelector('form')!.append(document.createElement('button'));
    });
    await expect(seriousViolations(page)).resolves.toEqual([expect.stringMatching(/^critical button-name:/)]);
  });

  describe.each(WIDTHS)('at %i px', (width) => {
    it('the sign-in page', async () => {
      await open(width, null);
      await page.goto(served.app.origin + PASSTHROUGH);
      await page.waitForSelector('#username');
      await check('sign-in', width);
    });

    it('the passthrough screen: the picker, an answer, the history, the raw JSON', async () => {
      await open(width, 'alice');
      await waitForState(page, 'picker');
      await page.click('.provider:has-text("Local echo")');
      await page.fill('#prompt', 'Hello there, accessible echo');
      await page.click('#send');
      await page.waitForFunction(() => document.getElementById('answer-state')?.textContent === 'Done');
      await check('passthrough', width);

      await page.check('#raw-toggle');
      await page.click('.provider:has-text("groq-trial")'); // inactive: the reason is shown
      await page.waitForSelector('#send-reason', { state: 'visible' });
      await check('passthrough-raw-disabled', width);

      // Keyboard only: Tab reaches the controls, and the focused one is visibly outlined.
      await page.focus('#search');
      await page.keyboard.press('Tab');
      const outline = await page.evaluate(() => {
        const focused = document.activeElement as HTMLElement;
        return { tag: focused.tagName, style: getComputedStyle(focused).outlineStyle };
      });
      expect(outline).toEqual({ tag: 'BUTTON', style: 'solid' });
    });

    it('the empty state', async () => {
      await open(width, 'dave');
      await waitForState(page, 'empty');
      await check('empty', width);
    });

    it('the management list, and "nothing to manage"', async () => {
      await open(width, 'staff', '/dashboard/providers/');
      await waitForState(page, 'list');
      await check('manage-list', width);
      await context.close();
      await open(width, 'dave', '/dashboard/providers/');
      await waitForState(page, 'list');
      await page.waitForSelector('#list-nothing', { state: 'visible' });
      await check('manage-nothing', width);
    });

    it('the new-provider form, with a validation message', async () => {
      await open(width, 'staff', '/dashboard/providers/new/');
      await waitForState(page, 'new');
      await page.fill('#new-name', 'Accessible gateway');
      await page.fill('#new-base_url', 'not a url');
      await page.click('#new-submit');
      await page.waitForSelector('#new-base_url-error', { state: 'visible' });
      await check('manage-new', width);
    });

    it('a provider’s page, its delete confirmation, and a read-only one', async () => {
      await open(width, 'admin', '/dashboard/providers/1/');
      await waitForState(page, 'provider');
      await check('manage-provider', width);
      await page.click('#delete');
      await page.waitForSelector('#delete-dialog', { state: 'visible' });
      await check('manage-delete', width);
      await page.click('#delete-cancel');
      await context.close();
      await open(width, 'alice', '/dashboard/providers/1/');
      await waitForState(page, 'provider');
      await page.waitForSelector('#read-only', { state: 'visible' });
      await check('manage-read-only', width);
    });

    it('the error state', async () => {
      await open(width, 'alice');
      await waitForState(page, 'picker');
      await page.route('**/dashboard/passthrough/api/picker/', (route) =>
        route.fulfill({ status: 503, contentType: 'application/json', body: '{"statusCode":503,"message":"down"}' }),
      );
      await page.reload();
      await waitForState(page, 'error');
      await check('error', width);
    });
  });
});
