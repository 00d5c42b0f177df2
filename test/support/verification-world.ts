import type { ServerResponse } from 'node:http';
import { DataSource } from 'typeorm';
import { SecretsService } from '../../src/secrets/secrets.service.js';
import type { StubUpstream } from './stub-upstream.js';
import type { TestApp } from './test-app.js';
import { waitFor } from './wait.js';

export const GOOD_KEY = 'sk-test-verification-key-4242';

/**
 * The stub's answers, by path: /v1/models wants the good key, /site is a page, /hang never
 * answers, /slow sends its headers then a body that takes a minute, /redirect points at a
 * private address, /delayed answers 200 after a moment.
 */
export function upstreamAnswers(
  req: { url?: string; headers: Record<string, string | string[] | undefined> },
  res: ServerResponse,
): void {
  const path = req.url ?? '';
  if (path === '/v1/models') {
    res.writeHead(req.headers.authorization === `Bearer ${GOOD_KEY}` ? 200 : 401).end('{}');
  } else if (path === '/site') {
    res.writeHead(200, { 'content-type': 'text/html' }).end('<p>hello</p>');
  } else if (path === '/hang') {
    // never answers
  } else if (path === '/slow') {
    res.writeHead(200, { 'content-type': 'application/json' });
    const timer = setInterval(() => res.write(' '), 200);
    res.on('close', () => clearInterval(timer));
    setTimeout(() => res.end(), 60_000).unref();
  } else if (path === '/redirect') {
    res.writeHead(302, { location: 'http://10.0.0.1/metadata' }).end();
  } else if (path === '/delayed/models') {
    setTimeout(() => res.writeHead(200).end('{}'), 1500);
  } else {
    res.writeHead(404).end();
  }
}

export interface ProviderSetup {
  baseUrl?: string;
  testPath?: string;
  apiKey?: string | null;
  termsAccepted?: boolean;
  websiteUrl?: string | null;
  docsUrl?: string | null;
  termsUrl?: string | null;
  privacyUrl?: string | null;
}

/** Writes the record's columns straight into the table (the management API is not under test here). */
export async function setUpProvider(
  t: TestApp,
  stub: StubUpstream,
  id: number,
  setup: ProviderSetup = {},
): Promise<void> {
  const db = t.app.get(DataSource);
  const apiKey = setup.apiKey === undefined ? GOOD_KEY : setup.apiKey;
  const site = `${stub.origin}/site`;
  await db.query(
    `UPDATE providers
        SET base_url = $2, connectivity_test_path = $3, api_key_ciphertext = $4, api_key_last4 = $5,
            tos_accepted_at = CASE WHEN $6 THEN now() ELSE NULL END,
            website_url = $7, docs_url = $8, terms_of_service_url = $9, privacy_policy_url = $10
      WHERE id = $1`,
    [
      id,
      setup.baseUrl ?? `${stub.origin}/v1`,
      setup.testPath ?? 'models',
      apiKey === null ? null : t.app.get(SecretsService).encrypt(apiKey),
      apiKey === null ? null : apiKey.slice(-4),
      setup.termsAccepted ?? true,
      setup.websiteUrl === undefined ? site : setup.websiteUrl,
      setup.docsUrl === undefined ? site : setup.docsUrl,
      setup.termsUrl === undefined ? site : setup.termsUrl,
      setup.privacyUrl === undefined ? site : setup.privacyUrl,
    ],
  );
}

export interface ProviderState {
  status: string;
  is_active: boolean;
  is_verified: boolean;
  verified_at: Date | null;
  row_version: number;
}

export async function providerState(t: TestApp, id: number): Promise<ProviderState> {
  const [row] = await t.app
    .get(DataSource)
    .query(`SELECT status, is_active, is_verified, verified_at, row_version FROM providers WHERE id = $1`, [id]);
  return row;
}

/** The state once the queued verification has finished. */
export async function outcomeOf(t: TestApp, id: number, timeoutMs = 20_000): Promise<ProviderState> {
  const { value } = await waitFor(
    () => providerState(t, id),
    (s) => s.status !== 'verifying',
    { timeoutMs, intervalMs: 100, what: `verification of provider ${id}` },
  );
  return value;
}
