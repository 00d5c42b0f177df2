import { DataSource } from 'typeorm';
import { DemoWorldService } from '../src/world/demo-world.service.js';
import { loginAs, type Session } from './support/auth.js';
import { freePort } from './support/service-process.js';
import { startTestApp, type TestApp } from './support/test-app.js';
import { waitFor } from './support/wait.js';

const ECHO = '/demo/openai/v1';

describe('the demo echo upstream and the demo world\'s "Local echo" provider', () => {
  let t: TestApp;
  let base: string;
  let alice: Session;

  beforeAll(async () => {
    // The echo provider points at the service's own port, so the app listens on the PORT it was given.
    const port = await freePort();
    t = await startTestApp({ DEMO_DATA: 'true', PORT: String(port) });
    await t.app.get(DemoWorldService).seedIfEmpty();
    await t.app.listen({ port, host: '127.0.0.1' });
    base = `http://127.0.0.1:${port}`;
    alice = await loginAs(t, 'alice');
  });
  afterAll(async () => {
    await t?.close();
  });

  const send = (body: object) =>
    fetch(`${base}/api/v1/prompts/passthrough/local-echo/`, {
      method: 'POST',
      headers: { ...alice.bearer, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('is an active, verified provider with a key and a default model, pointing at this port', async () => {
    const [row] = await t.app
      .get(DataSource)
      .query(
        `SELECT base_url, is_active, status, default_model, api_key_ciphertext IS NOT NULL AS has_key FROM providers WHERE name = 'Local echo'`,
      );
    expect(row).toEqual({
      base_url: `${base}${ECHO}`,
      is_active: true,
      status: 'verified',
      default_model: 'echo-1',
      has_key: true,
    });
  });

  it('lists its model and accepts any bearer token, but not none', async () => {
    const models = await fetch(`${base}${ECHO}/models`, { headers: { authorization: 'Bearer anything' } });
    expect(models.status).toBe(200);
    expect(((await models.json()) as { data: { id: string }[] }).data.map((m) => m.id)).toEqual(['echo-1']);
    expect((await fetch(`${base}${ECHO}/models`)).status).toBe(401);
  });

  it('answers alice through the passthrough with her last message and a usage block', async () => {
    const res = await send({
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello echo' },
      ],
    });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { model: string; choices: { message: { content: string } }[]; usage: object };
    expect(body.model).toBe('echo-1');
    expect(body.choices[0].message.content).toBe('hello echo');
    expect(body.usage).toEqual({ prompt_tokens: 4, completion_tokens: 2, total_tokens: 6 });
  });

  it('streams the echo word by word, ending with usage and [DONE], and journals the tokens', async () => {
    const res = await send({ messages: [{ role: 'user', content: 'one two three' }], stream: true });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const text = await res.text();
    const events = text.split('\n\n').filter(Boolean);
    const content = events
      .filter((e) => e !== 'data: [DONE]')
      .map((e) => JSON.parse(e.slice('data: '.length)))
      .map((c) => c.choices[0]?.delta?.content ?? '')
      .join('');
    expect(content).toBe('one two three');
    expect(events.at(-1)).toBe('data: [DONE]');
    const db = t.app.get(DataSource);
    const { value } = await waitFor(
      () => db.query(`SELECT total_tokens FROM prompt_usage WHERE streamed ORDER BY id DESC LIMIT 1`),
      (rows) => rows.length === 1,
      { timeoutMs: 5000, what: 'usage row' },
    );
    expect(value[0].total_tokens).toBe(6);
  });

  it("lets a provider reach the echo's path on this port, but no other route of the service", async () => {
    const db = t.app.get(DataSource);
    const [{ base_url: echoUrl }] = await db.query(`SELECT base_url FROM providers WHERE name = 'Local echo'`);
    // Any other route on the same host:port: the passthrough itself, which would call itself.
    for (const elsewhere of [`${base}/api/v1/prompts/passthrough/local-echo`, `${base}/demo/openai/v1x`, base]) {
      await db.query(`UPDATE providers SET base_url = $1 WHERE name = 'Local echo'`, [elsewhere]);
      try {
        const res = await send({ messages: [{ role: 'user', content: 'hi' }] });
        expect({ elsewhere, status: res.status, body: await res.json() }).toMatchObject({
          elsewhere,
          status: 502,
          body: { code: 'egress_refused_path' },
        });
      } finally {
        await db.query(`UPDATE providers SET base_url = $1 WHERE name = 'Local echo'`, [echoUrl]);
      }
    }
    expect((await send({ messages: [{ role: 'user', content: 'back' }] })).status).toBe(200);
  });
});

describe('without demo data', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it('does not serve the echo', async () => {
    const res = await t.inject({ method: 'GET', url: `${ECHO}/models`, headers: { authorization: 'Bearer x' } });
    expect(res.statusCode).toBe(404);
  });
});
