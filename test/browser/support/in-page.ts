// Functions that run inside the page (Playwright serializes them), hence the DOM types. Only the
// tests' type-check sees this lib; tsconfig.build.json leaves test/ out, so the service's
// code still cannot name `document` by mistake.
/// <reference lib="dom" />
import type { Page } from 'playwright-core';
import type { ProviderRow } from './served-app.js';

/** The providers the page lists, in order, read back from the DOM. */
export function listedProviders(page: Page): Promise<ProviderRow[]> {
  return page.$$eval('#provider-list .provider', (buttons) =>
    buttons.map((button) => {
      const url = button.querySelector('.provider-url')!;
      return {
        id: Number((button as HTMLElement).dataset.id),
        name: button.querySelector('.provider-name')!.textContent ?? '',
        base_url: url.classList.contains('none') ? null : (url.textContent ?? ''),
      };
    }),
  );
}

/**
 * Waits for the page to settle (leave the loading state, unless that is the one wanted), then
 * checks it is in `state`; a wrong state fails at once, with what the page says.
 */
export async function waitForState(page: Page, state: string): Promise<void> {
  const settled = await page.waitForFunction((wanted) => {
    const current = document.body.dataset.state;
    return current && (current === wanted || current !== 'loading') ? current : null;
  }, state);
  const current = await settled.jsonValue();
  if (current !== state) {
    const said = await page.textContent(`#state-${current}`);
    throw new Error(
      `expected the page to show "${state}", it shows "${current}": ${said?.replace(/\s+/g, ' ').trim()}`,
    );
  }
}

/**
 * Clicks the page's Refresh and waits until that refresh is over: the list stays on screen
 * while it runs (no loading state to wait out), and the button is disabled until it ends.
 */
export async function refreshProviders(page: Page): Promise<void> {
  await Promise.all([
    page.waitForResponse((response) => new URL(response.url()).pathname === '/dashboard/passthrough/api/picker/'),
    page.click('#refresh'),
  ]);
  await page.waitForSelector('#refresh:not([disabled])', { state: 'attached' });
}

/** Everything a script in the page can read that could hold a credential. */
export function scriptVisibleState(page: Page): Promise<{ cookie: string; storage: string }> {
  return page.evaluate(() => ({
    cookie: document.cookie,
    storage: JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }),
  }));
}

export function sessionStorageSize(page: Page): Promise<number> {
  return page.evaluate(() => sessionStorage.length);
}

export function pageWidth(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth);
}
