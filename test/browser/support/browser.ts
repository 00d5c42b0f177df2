import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium: browsers are never downloaded on these machines. */
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Screenshots and the like, kept out of git (.gitignore). */
const ARTIFACTS_DIR = join(process.cwd(), 'test-artifacts');

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: install it with \`apt-get install -y chromium\` (or set CHROMIUM_PATH)`,
    );
  }
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

export function artifactPath(name: string): string {
  mkdirSync(ARTIFACTS_DIR, { recursive: true });
  return join(ARTIFACTS_DIR, name);
}

/**
 * What went wrong inside the page that a test would otherwise not see: uncaught exceptions,
 * the page's own reports of a bug, and Content-Security-Policy or Trusted Types violations (an
 * inline style, an innerHTML). Failed requests are not collected: several scenarios cause 401s
 * and CORS refusals on purpose. They are added to `problems` (for a test that opens several
 * pages, one list for all of them), which is returned.
 */
export function watchPageProblems(page: Page, problems: string[] = []): string[] {
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`));
  page.on('console', (message) => {
    const text = message.text();
    if (/Content Security Policy|Trusted ?(Type|HTML|Script)|^\[dashboard\]/i.test(text))
      problems.push(`console: ${text}`);
  });
  return problems;
}
