import type { Browser, BrowserContext, Page } from 'playwright-core';
import { launchChromium, watchPageProblems } from './browser.js';
import { serveApp, type ServedApp } from './served-app.js';

export interface ServedInChromium {
  /** Chromium, launched once for the describe block. */
  readonly browser: Browser;
  /** The application Chromium is pointed at, served once for the describe block. */
  readonly app: ServedApp;
}

/**
 * Chromium and the served application (serveApp, with these arguments) for the tests of one
 * describe block: registers the beforeAll that starts both and the afterAll that closes both.
 * They exist only once that beforeAll has run, so they are read through the returned object,
 * not destructured. `env` may be a function for a setting known only after an earlier
 * beforeAll (a stub's port, another origin).
 */
export function servedInChromium(
  env: Record<string, string> | (() => Record<string, string>) = {},
  options?: Parameters<typeof serveApp>[1],
): ServedInChromium {
  let browser: Browser | undefined;
  let app: ServedApp | undefined;
  beforeAll(async () => {
    browser = await launchChromium();
    app = await serveApp(typeof env === 'function' ? env() : env, options);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });
  const started = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is read before servedInChromium's beforeAll ran`);
    return value;
  };
  return {
    get browser() {
      return started(browser, 'the browser');
    },
    get app() {
      return started(app, 'the app');
    },
  };
}

/** A test's own browser context and page, and the page problems seen on it so far. */
export interface TestPage {
  context: BrowserContext;
  page: Page;
  problems: string[];
}

/**
 * A fresh browser context and page for each test (its viewport, and a default timeout for
 * every wait), handed to `use`; after each test the context is closed and the test fails if
 * the page logged a problem (watchPageProblems).
 */
export function pageForEachTest(
  served: ServedInChromium,
  { viewport, timeoutMs }: { viewport: { width: number; height: number }; timeoutMs: number },
  use: (opened: TestPage) => void,
): void {
  let problems: string[] = [];
  let context: BrowserContext | undefined;
  beforeEach(async () => {
    context = await served.browser.newContext({ viewport });
    context.setDefaultTimeout(timeoutMs);
    const page = await context.newPage();
    problems = watchPageProblems(page);
    use({ context, page, problems });
  });
  afterEach(async () => {
    await context?.close();
    expect(problems).toEqual([]);
  });
}
