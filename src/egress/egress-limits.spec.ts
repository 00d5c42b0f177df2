import { EgressService } from './egress.service.js';
import type { EgressSettings } from './egress-settings.js';
import { EgressTimeoutError, EgressTooLargeError } from './egress.errors.js';
import { stubUpstreams } from '../../test/support/stub-upstream.js';

/*
 * Each limit is set far below the others, so that the one under test is the one that fires;
 * the tests assert which phase failed, never how long it took.
 */
const short = { connectTimeoutMs: 300, firstByteTimeoutMs: 300, idleTimeoutMs: 300, totalTimeoutMs: 30_000 };

describe('EgressService: timeouts and size bounds', () => {
  const services: EgressService[] = [];
  const egress = (settings: Partial<EgressSettings> = {}) => {
    const service = new EgressService({ allowPrivate: true, ...short, ...settings });
    services.push(service);
    return service;
  };
  const stub = stubUpstreams();
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.onApplicationShutdown()));
  });

  async function failure(promise: Promise<unknown>): Promise<EgressTimeoutError> {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(EgressTimeoutError);
    return err as EgressTimeoutError;
  }

  it('times out the connect phase, name resolution included', async () => {
    const neverAnswers = () => new Promise<never>(() => undefined);
    const err = await failure(egress({ resolve: neverAnswers }).request({ url: 'http://slow-dns.test/' }));
    expect(err).toMatchObject({ code: 'egress_timeout', status: 504, phase: 'connect', timeoutMs: 300 });
    expect(err.message).toBe(
      'http://slow-dns.test: no connection (name resolution, TCP and TLS) within 300 ms (connect timeout)',
    );
  });

  it('times out an upstream that accepts and never answers (first byte), and closes the connection', async () => {
    const silent = await stub(() => undefined);
    const err = await failure(
      egress().request({ url: `${silent.origin}/models`, headers: { authorization: 'Bearer sk-never-shown' } }),
    );
    expect(err).toMatchObject({ phase: 'first_byte', timeoutMs: 300 });
    expect(`${err.message} ${JSON.stringify(err)}`).not.toMatch(/sk-never-shown|\/models/);
    await silent.received[0].connectionClosed;
  });

  it('times out a body that stalls between chunks (idle), buffered or streamed', async () => {
    const stalling = await stub((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
    });
    expect(await failure(egress().request({ url: stalling.origin }))).toMatchObject({ phase: 'idle', timeoutMs: 300 });

    const response = await egress().stream({ url: stalling.origin });
    const chunks: string[] = [];
    const err = await failure(
      (async () => {
        for await (const chunk of response.body) chunks.push(chunk.toString());
      })(),
    );
    expect(err.phase).toBe('idle');
    expect(chunks).toEqual(['data: first\n\n']);
  });

  it('times out the whole call when a body trickles in for longer than the total', async () => {
    const trickling = await stub((_req, res) => {
      res.writeHead(200);
      const timer = setInterval(() => res.write('.'), 20);
      res.on('close', () => clearInterval(timer));
    });
    const err = await failure(
      egress({ idleTimeoutMs: 30_000, totalTimeoutMs: 400 }).request({ url: trickling.origin }),
    );
    expect(err).toMatchObject({ phase: 'total', timeoutMs: 400 });
  });

  it('lets one call shorten its own limits (verification passes its 10 s this way)', async () => {
    const silent = await stub(() => undefined);
    const service = egress({ firstByteTimeoutMs: 30_000, totalTimeoutMs: 30_000 });
    const err = await failure(service.request({ url: silent.origin, limits: { totalTimeoutMs: 300 } }));
    expect(err).toMatchObject({ phase: 'total', timeoutMs: 300 });
  });

  describe('size bound of buffered answers', () => {
    const body = (size: number) => 'x'.repeat(size);

    it('accepts an answer of exactly the bound', async () => {
      const upstream = await stub((_req, res) => res.end(body(1000)));
      const response = await egress({ maxResponseBytes: 1000 }).request({ url: upstream.origin });
      expect(response.body.length).toBe(1000);
    });

    it('refuses a declared length over the bound without reading the body', async () => {
      const upstream = await stub((_req, res) => res.writeHead(200, { 'content-length': '1001' }).write('x'));
      const err = await egress({ maxResponseBytes: 1000 })
        .request({ url: upstream.origin })
        .catch((e: Error) => e);
      expect(err).toBeInstanceOf(EgressTooLargeError);
      expect(err).toMatchObject({ code: 'egress_too_large', status: 502, maxBytes: 1000 });
      await upstream.received[0].connectionClosed;
    });

    it('refuses a chunked answer once it passes the bound, and closes the connection', async () => {
      const upstream = await stub((_req, res) => {
        res.writeHead(200);
        const timer = setInterval(() => res.write(body(400)), 5);
        res.on('close', () => clearInterval(timer));
      });
      const err = await egress({ maxResponseBytes: 1000 })
        .request({ url: upstream.origin })
        .catch((e: Error) => e);
      expect(err).toBeInstanceOf(EgressTooLargeError);
      await upstream.received[0].connectionClosed;
    });

    it('takes a per-call bound', async () => {
      const upstream = await stub((_req, res) => res.end(body(200)));
      await expect(egress().request({ url: upstream.origin, limits: { maxResponseBytes: 100 } })).rejects.toThrow(
        EgressTooLargeError,
      );
    });
  });
});
