import { DataSource } from 'typeorm';
import { request as httpRequest } from 'undici';
import { SecretsService } from '../src/secrets/secrets.service.js';
import { loginAs, type Session } from './support/auth.js';
import { Factories } from './support/factories.js';
import { stubUpstreams } from './support/stub-upstream.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { sleep } from './support/wait.js';

const DEADLINE_MS = 300;

/**
 * The request deadline's exception: the passthrough's streamed answers may rightly outlast
 * REQUEST_TIMEOUT_MS (the egress timeouts bound them instead). The deadline itself, on a
 * database that does not answer, is slow-database.e2e-spec.ts's.
 */
describe('request deadline', () => {
  let t: TestApp;
  let alice: Session;
  let providerId: number;
  const start = stubUpstreams();

  beforeAll(async () => {
    t = await startTestApp({ EGRESS_ALLOW_HOSTS: '127.0.0.1', REQUEST_TIMEOUT_MS: String(DEADLINE_MS) });
    const db = t.app.get(DataSource);
    const f = new Factories(db);
    const aliceId = await f.user({ username: 'alice' });
    const profile = await f.profile(aliceId, await f.account());
    // Its first chunk at once, the rest after three deadlines.
    const upstream = await start((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: {"choices":[{"delta":{"content":"first"}}]}\n\n');
      void sleep(3 * DEADLINE_MS).then(() => res.end('data: [DONE]\n\n'));
    });
    providerId = await f.provider(profile, { baseUrl: `${upstream.origin}/v1` });
    await db.query(
      `UPDATE providers SET api_key_ciphertext = $2, is_active = true, default_model = 'm' WHERE id = $1`,
      [providerId, t.app.get(SecretsService).encrypt('sk-key-0123456789')],
    );
    alice = await loginAs(t, 'alice');
    await t.app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lets a streamed passthrough answer outlast REQUEST_TIMEOUT_MS, to its end', async () => {
    const port = (t.app.getHttpServer().address() as { port: number }).port;
    const res = await httpRequest(`http://127.0.0.1:${port}/api/v1/prompts/passthrough/${providerId}/`, {
      method: 'POST',
      headers: { ...alice.bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], stream: true }),
    });
    expect(res.statusCode).toBe(200);
    expect(await res.body.text()).toContain('data: [DONE]');
  });
});
