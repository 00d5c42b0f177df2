import type { BrowserContext, Page } from 'playwright-core';
import { tokenFor } from '../support/service-process.js';
import { startStubUpstream, type StubUpstream } from '../support/stub-upstream.js';
import { artifactPath, watchPageProblems } from './support/browser.js';
import { waitForState } from './support/in-page.js';
import { pageForEachTest, servedInChromium } from './support/served-in-chromium.js';
import { expireSession } from './support/session.js';

const LIST_PATH = '/dashboard/providers/';
const STUB_KEY = 'sk-stub-0123456789';

interface Record {
  id: number;
  name: string;
  description: string;
}

/**
 * The management screens as staff, an ordinary user and a superuser use them. A stub upstream
 * on loopback (allowed by EGRESS_ALLOW_HOSTS, its port included) stands for the provider: it
 * answers the connectivity check and streams a chat completion.
 */
describe('the provider management screens in Chromium', () => {
  let stub: StubUpstream;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  beforeAll(async () => {
    stub = await startStubUpstream((req, res) => {
      if (req.method === 'GET' && req.url === '/v1/models') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"object":"list","data":[]}');
      } else if (req.method === 'POST' && req.url === '/v1/chat/completions') {
        const chunk = (content: string) =>
          `data: ${JSON.stringify({ choices: [{ index: 0, delta: { content }, finish_reason: null }] })}\n\n`;
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end(chunk('Hello ') + chunk('from the stub') + 'data: [DONE]\n\n');
      } else {
        res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":{"message":"no such route"}}');
      }
    });
  });
  const served = servedInChromium(() => ({
    EGRESS_ALLOW_HOSTS: `127.0.0.1:${stub.port}`,
    VERIFICATION_TIMEOUT_MS: '2000',
  }));
  afterAll(async () => {
    await stub?.close(); // after the app, which may still hold connections to it
  });
  pageForEachTest(
    served,
    { viewport: { width: 1440, height: 900 }, timeoutMs: 15_000 },
    (opened) => ({ context, page, problems } = opened),
  );

  async function signIn(username: string, path = LIST_PATH): Promise<void> {
    await page.goto(served.app.origin + path);
    expect(page.url()).toBe(`${served.app.origin}/login/?next=${encodeURIComponent(path)}`);
    await page.fill('#username', username);
    await page.fill('#password', served.app.password(username));
    await Promise.all([page.waitForURL(served.app.origin + path), page.click('button[type="submit"]')]);
  }

  async function manageable(username: string): Promise<Record[]> {
    const token = await tokenFor(served.app.origin, username, served.app.password(username));
    const res = await fetch(`${served.app.origin}/api/v1/providers?scope=manageable&limit=500`, {
      headers: { authorization: `Bearer ${token}` },
    });
    return ((await res.json()) as { items: Record[] }).items;
  }

  const listedNames = (on: Page = page) =>
    on.$$eval('#list-body tr td:first-child', (cells) => cells.map((c) => c.textContent));

  async function createStubProvider(name: string): Promise<number> {
    await page.click('#new-link');
    await waitForState(page, 'new');
    await expect(page.$$eval('#new-account option', (o) => o.map((x) => x.textContent))).resolves.toEqual([
      '0000-0000-0000',
    ]);
    await page.fill('#new-name', name);
    await page.fill('#new-base_url', 'not a url');
    await page.click('#new-submit');
    // The server's validation message, beside the field it is about.
    await page.waitForSelector('#new-base_url-error', { state: 'visible' });
    await expect(page.getAttribute('#new-base_url', 'aria-invalid')).resolves.toBe('true');
    await page.screenshot({ path: artifactPath('manage-new-invalid.png'), fullPage: true });

    await page.fill('#new-base_url', `${stub.origin}/v1`);
    await page.fill('#new-default_model', 'stub-1');
    await page.fill('#new-connectivity_test_path', 'models');
    await Promise.all([page.waitForURL(/\/dashboard\/providers\/\d+\/$/), page.click('#new-submit')]);
    await waitForState(page, 'provider');
    await expect(page.textContent('#notice')).resolves.toMatch(/^Created “/);
    return Number(new URL(page.url()).pathname.split('/')[3]);
  }

  it('as staff: create, set the key, verify, activate, then find it in the passthrough picker', async () => {
    await signIn('staff');
    await waitForState(page, 'list');
    await expect(listedNames()).resolves.toEqual((await manageable('staff')).map((p) => p.name));

    const id = await createStubProvider('Stub gateway');
    await expect(page.textContent('#p-name')).resolves.toBe('Stub gateway');
    await expect(page.textContent('#p-badges')).resolves.toBe('unverifiedinactiveno key');

    // Activation is refused, with every reason.
    await page.click('#activate');
    await page.waitForSelector('#life-error', { state: 'visible' });
    await expect(page.textContent('#life-error')).resolves.toBe(
      'It cannot be activated: it has not passed verification; its terms of service have not been accepted.',
    );

    // The key: saved, the field cleared at once, never shown back (only its last 4).
    await page.fill('#key-input', STUB_KEY);
    await page.click('#key-save');
    await page.waitForFunction(() => document.getElementById('key-state')?.textContent?.includes('ending in'));
    await expect(page.inputValue('#key-input')).resolves.toBe('');
    await expect(page.textContent('#key-state')).resolves.toContain('ending in 6789');
    await expect(page.content()).resolves.not.toContain(STUB_KEY);

    await page.click('#terms-accept');
    await page.waitForFunction(() => document.getElementById('terms-state')?.textContent?.startsWith('Accepted'));

    // Verify: each check's result appears, then the status.
    await page.click('#verify');
    await page.waitForFunction(() => document.querySelector('#p-badges .badge')?.textContent === 'verified');
    const checks = await page.$$eval('#checks .check', (items) =>
      items.map((li) => [(li as HTMLElement).dataset.check, li.querySelector('.check-state')?.textContent]),
    );
    expect(checks).toEqual(
      expect.arrayContaining([
        ['connectivity', 'passed'],
        ['api_key', 'passed'],
      ]),
    );
    expect(checks.every(([, state]) => state === 'passed')).toBe(true);
    const check = stub.received.find((r) => r.path === '/v1/models')!;
    expect(check.headers.authorization).toBe(`Bearer ${STUB_KEY}`);

    await page.click('#activate');
    await page.waitForSelector('#deactivate', { state: 'visible' });
    await expect(page.isVisible('#life-error')).resolves.toBe(false);
    await expect(page.textContent('#life-state')).resolves.toMatch(/^Active/);
    // The history, newest first: the activation on top.
    const actions = await page.$$eval('#history-body tr td:nth-child(3)', (cells) => cells.map((c) => c.textContent));
    expect(actions[0]).toMatch(/activ/);
    expect(actions.at(-1)).toMatch(/^create/);
    await expect(page.isVisible('#moderation')).resolves.toBe(false); // staff do not moderate
    await page.screenshot({ path: artifactPath('manage-provider.png'), fullPage: true });

    // In the passthrough picker, usable, and it answers.
    await page.click('#nav-passthrough');
    await waitForState(page, 'picker');
    await page.click(`.provider[data-id="${id}"]`);
    await expect(page.isDisabled('#send')).resolves.toBe(false);
    await expect(page.inputValue('#model')).resolves.toBe('stub-1');
    await page.fill('#prompt', 'hi');
    await page.click('#send');
    await page.waitForFunction(() => document.getElementById('answer-state')?.textContent === 'Done');
    await expect(page.textContent('#answer')).resolves.toBe('Hello from the stub');
  });

  it('as staff: an edit from a stale second tab gets the 412 message and reloads; delete asks first', async () => {
    await signIn('staff');
    await waitForState(page, 'list');
    const id = await createStubProvider('Two tabs');
    const path = `/dashboard/providers/${id}/`;
    const other = await context.newPage();
    watchPageProblems(other, problems);
    await other.goto(served.app.origin + path);
    await waitForState(other, 'provider');

    await page.fill('#edit-description', 'first tab');
    await page.click('#edit-save');
    await page.waitForFunction(() => document.getElementById('edit-status')?.textContent === 'Saved.');

    await other.fill('#edit-description', 'second tab');
    await other.click('#edit-save');
    await other.waitForSelector('#stale', { state: 'visible' });
    await expect(other.textContent('#stale p')).resolves.toBe(
      'Someone else changed this provider since you opened it, so your changes were not saved.',
    );
    await other.screenshot({ path: artifactPath('manage-412.png'), fullPage: true });
    await other.click('#stale-reload');
    await other.waitForSelector('#stale', { state: 'hidden' });
    await expect(other.inputValue('#edit-description')).resolves.toBe('first tab');
    await other.fill('#edit-description', 'second tab, after reloading');
    await other.click('#edit-save');
    await other.waitForFunction(() => document.getElementById('edit-status')?.textContent === 'Saved.');

    // Delete: cancelled once, nothing happens; confirmed, it is gone.
    await other.click('#delete');
    await expect(other.isVisible('#delete-dialog')).resolves.toBe(true);
    await other.screenshot({ path: artifactPath('manage-delete-confirm.png') });
    await other.click('#delete-cancel');
    await expect(other.isVisible('#delete-dialog')).resolves.toBe(false);
    expect(other.url()).toBe(served.app.origin + path);
    await other.click('#delete');
    await Promise.all([other.waitForURL(served.app.origin + LIST_PATH), other.click('#delete-confirm')]);
    await waitForState(other, 'list');
    await expect(other.textContent('#notice')).resolves.toBe('Deleted “Two tabs”.');
    await expect(listedNames(other)).resolves.not.toContain('Two tabs');
    await other.goto(served.app.origin + path);
    await waitForState(other, 'missing');
  });

  it('as alice (no management rights): only her own providers, and no way to create', async () => {
    await signIn('alice');
    await waitForState(page, 'list');
    const own = await manageable('alice');
    expect(own.length).toBeGreaterThan(0);
    await expect(listedNames()).resolves.toEqual(own.map((p) => p.name));
    await expect(page.isVisible('#new-link')).resolves.toBe(false);

    // The filters narrow the list, and are kept in the URL.
    await page.fill('#list-q', 'echo');
    await page.press('#list-q', 'Enter');
    await page.waitForFunction(() => document.querySelectorAll('#list-body tr').length === 1);
    await expect(listedNames()).resolves.toEqual(['Local echo']);
    expect(new URL(page.url()).search).toBe('?q=echo');
    await page.selectOption('#list-status', 'suspended');
    await page.waitForSelector('#list-none', { state: 'visible' });

    // A provider she may use but not manage: said so, not an error page.
    await page.goto(`${served.app.origin}/dashboard/providers/1/`);
    await waitForState(page, 'provider');
    // The record is shown first; whether she manages it is known once the history is refused.
    await page.waitForSelector('#read-only', { state: 'visible' });
    await expect(page.isVisible('#edit-form')).resolves.toBe(false);
    await expect(page.isVisible('#history-section')).resolves.toBe(false);

    await page.goto(`${served.app.origin}/dashboard/providers/new/`);
    await waitForState(page, 'new');
    await expect(page.textContent('#new-note')).resolves.toMatch(/^Creating providers is for the staff/);
    await expect(page.isDisabled('#new-submit')).resolves.toBe(true);
  });

  it('an expired session goes to sign in and comes back to the same provider’s page', async () => {
    const [own] = await manageable('alice');
    const path = `/dashboard/providers/${own.id}/`;
    await signIn('alice', path);
    await waitForState(page, 'provider');
    await expireSession(context, served.app.origin);
    await page.fill('#edit-description', 'after signing in again');
    await Promise.all([
      page.waitForURL(`${served.app.origin}/login/?next=${encodeURIComponent(path)}`),
      page.click('#edit-save'),
    ]);
    await page.fill('#username', 'alice');
    await page.fill('#password', served.app.password('alice'));
    await Promise.all([page.waitForURL(served.app.origin + path), page.click('button[type="submit"]')]);
    await waitForState(page, 'provider');
    await expect(page.textContent('#p-name')).resolves.toBe(own.name);
  });

  it('as dave (nothing to manage): says so', async () => {
    await signIn('dave');
    await waitForState(page, 'list');
    await expect(page.isVisible('#list-nothing')).resolves.toBe(true);
    await expect(page.textContent('#list-nothing h2')).resolves.toBe('Nothing to manage');
    await page.screenshot({ path: artifactPath('manage-nothing.png'), fullPage: true });
  });

  it('as a superuser: suspend and unsuspend, with the status shown', async () => {
    await signIn('admin', '/dashboard/providers/2/');
    await waitForState(page, 'provider');
    await expect(page.isVisible('#moderation')).resolves.toBe(true);
    await page.click('#suspend');
    await page.waitForFunction(() => document.querySelector('#p-badges .badge')?.textContent === 'suspended');
    await expect(page.textContent('#life-state')).resolves.toMatch(/^Inactive/);
    await page.click('#activate');
    await page.waitForSelector('#life-error', { state: 'visible' });
    await expect(page.textContent('#life-error')).resolves.toContain('it is suspended');
    await page.click('#unsuspend');
    await page.waitForFunction(() => document.querySelector('#p-badges .badge')?.textContent !== 'suspended');
    // Back to what verification last said, and still inactive until someone activates it.
    await expect(page.textContent('#p-badges .badge')).resolves.toMatch(/^(verified|unverified)$/);
    await expect(page.isVisible('#unsuspend')).resolves.toBe(false);
    await page.click('#deprecate');
    await page.waitForFunction(() => document.querySelector('#p-badges .badge')?.textContent === 'deprecated');
    await expect(page.isVisible('#deprecate')).resolves.toBe(false);
  });

  it('never turns a provider name into markup on the management screens', async () => {
    await signIn('alice');
    await waitForState(page, 'list');
    const hostile = '<img src=x onerror="document.title=\'owned\'"><b>bold</b>';
    const [first] = await manageable('alice');
    await page.goto(`${served.app.origin}/dashboard/providers/${first.id}/`);
    await waitForState(page, 'provider');
    await page.fill('#edit-name', hostile);
    await page.click('#edit-save');
    await page.waitForFunction(() => document.getElementById('edit-status')?.textContent === 'Saved.');
    await expect(page.textContent('#p-name')).resolves.toBe(hostile);
    await page.goto(served.app.origin + LIST_PATH);
    await waitForState(page, 'list');
    await expect(listedNames()).resolves.toContain(hostile);
    await expect(page.$$('main img, main b')).resolves.toHaveLength(0);
    await expect(page.title()).resolves.not.toBe('owned');
  });
});
