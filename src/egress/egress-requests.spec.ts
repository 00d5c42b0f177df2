import { EgressService } from './egress.service.js';
import { EgressConnectFailedError, EgressInvalidRequestError, EgressResponseFailedError } from './egress.errors.js';
import { closedPort, stubUpstreams } from '../../test/support/stub-upstream.js';

describe('EgressService: what goes out and what comes back', () => {
  const egress = new EgressService({ allowPrivate: true });
  const stub = stubUpstreams();
  afterAll(() => egress.onApplicationShutdown());

  describe('headers', () => {
    const proxyVariables = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy', 'NO_PROXY'];
    const saved = Object.fromEntries(proxyVariables.map((name) => [name, process.env[name]]));
    beforeEach(() => {
      // A proxy in the environment is ambient too: it must not be used.
      for (const name of proxyVariables) process.env[name] = name === 'NO_PROXY' ? '' : 'http://127.0.0.1:1';
    });
    afterEach(() => {
      for (const name of proxyVariables) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    });

    it('sends a GET with exactly the headers given, plus what HTTP/1.1 needs', async () => {
      const upstream = await stub((_req, res) => res.end('{}'));
      const headers = { authorization: 'Bearer sk-test-123', accept: 'application/json' };
      await egress.request({ url: `${upstream.origin}/models?limit=1`, headers });
      expect(upstream.received).toHaveLength(1);
      expect(upstream.received[0]).toMatchObject({ method: 'GET', path: '/models?limit=1' });
      expect(upstream.received[0].headers).toEqual({
        host: `127.0.0.1:${upstream.port}`,
        connection: 'keep-alive',
        authorization: 'Bearer sk-test-123',
        accept: 'application/json',
      });
    });

    it('sends a POST body as given, framed by its content-length only', async () => {
      const upstream = await stub((_req, res) => res.end('{}'));
      const body = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      const headers = { 'content-type': 'application/json' };
      await egress.request({ url: `${upstream.origin}/chat/completions`, method: 'POST', headers, body });
      expect(upstream.received[0].body).toBe(body);
      expect(upstream.received[0].headers).toEqual({
        host: `127.0.0.1:${upstream.port}`,
        connection: 'keep-alive',
        'content-type': 'application/json',
        'content-length': String(Buffer.byteLength(body)),
      });
    });
  });

  it('returns a redirect as is, without following it', async () => {
    const target = await stub((_req, res) => res.end('followed'));
    const redirecting = await stub((_req, res) =>
      res.writeHead(302, { location: `${target.origin}/elsewhere` }).end('moved'),
    );
    const response = await egress.request({ url: `${redirecting.origin}/models` });
    expect(response.status).toBe(302);
    expect(response.headers.location).toBe(`${target.origin}/elsewhere`);
    expect(response.body.toString()).toBe('moved');
    expect(target.connections).toBe(0);
  });

  it('returns an upstream error status with its body, for the caller to map', async () => {
    const upstream = await stub((_req, res) =>
      res.writeHead(401, { 'content-type': 'application/json' }).end('{"error":"bad key"}'),
    );
    const response = await egress.request({ url: upstream.origin });
    expect(response.status).toBe(401);
    expect(response.headers['content-type']).toBe('application/json');
    expect(JSON.parse(response.body.toString())).toEqual({ error: 'bad key' });
  });

  it('reports a refused connection as egress_connect_failed, naming the reason', async () => {
    const port = await closedPort();
    const err = await egress
      .request({ url: `http://127.0.0.1:${port}/secret-path?key=sk-in-query` })
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(EgressConnectFailedError);
    expect(err).toMatchObject({ code: 'egress_connect_failed', status: 502, reason: 'ECONNREFUSED' });
    expect((err as Error).message).toBe(`http://127.0.0.1:${port}: could not connect (ECONNREFUSED)`);
  });

  it('reports an answer cut short as egress_response_failed', async () => {
    const upstream = await stub((_req, res) => {
      res.writeHead(200, { 'content-length': '100' });
      res.write('only ten b');
      setImmediate(() => res.socket?.destroy());
    });
    await expect(egress.request({ url: upstream.origin })).rejects.toThrow(EgressResponseFailedError);
  });

  it.each([
    ['a relative URL', '/models', /not a valid absolute URL/],
    ['another scheme', 'file:///etc/passwd', /only http: and https: URLs are called, not file:/],
    ['credentials in the URL', 'http://user:sk-secret@127.0.0.1:1/', /carries credentials/],
  ])('refuses %s before any connection', async (_what, url, message) => {
    const err = await egress.request({ url }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(EgressInvalidRequestError);
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('sk-secret');
  });

  it('refuses a header value that would split the request, without echoing it', async () => {
    const upstream = await stub((_req, res) => res.end());
    const headers = { authorization: 'Bearer sk-secret\r\nx-injected: 1' };
    const err = await egress.request({ url: upstream.origin, headers }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(EgressInvalidRequestError);
    expect((err as Error).message).not.toContain('sk-secret');
    expect(upstream.received).toHaveLength(0);
  });
});
