import type { Browser } from 'playwright-core';
import { launchChromium } from './browser.js';
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
