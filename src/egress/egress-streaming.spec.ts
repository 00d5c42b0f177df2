import { EgressService } from './egress.service.js';
import { EgressAbortedError } from './egress.errors.js';
import { signal, stubUpstreams } from '../../test/support/stub-upstream.js';

describe('EgressService: streamed answers', () => {
  const egress = new EgressService({ allowPrivate: true });
  const stub = stubUpstreams();
  afterAll(() => egress.onApplicationShutdown());

  /** A stub that sends `chunks` one at a time, each only once the test says it received the one before. */
  async function steppedUpstream(chunks: string[]) {
    const steps = chunks.map(() => signal());
    const upstream = await stub(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      for (const [i, chunk] of chunks.entries()) {
        res.write(chunk);
        await steps[i].promise;
      }
      res.end();
    });
    return { upstream, received: (i: number) => steps[i].resolve() };
  }

  it('resolves at the headers and yields each chunk as the upstream sends it', async () => {
    const sent = ['data: {"n":1}\n\n', 'data: {"n":2}\n\n', 'data: [DONE]\n\n'];
    const { upstream, received } = await steppedUpstream(sent);
    const response = await egress.stream({ url: `${upstream.origin}/chat/completions`, method: 'POST', body: '{}' });
    expect(response.status).toBe(200);
    expect(response.headers['content-type']).toBe('text/event-stream');

    // The upstream holds back every chunk until this one arrived: it cannot have been buffered whole.
    const chunks: string[] = [];
    for await (const chunk of response.body) {
      chunks.push(chunk.toString());
      received(chunks.length - 1);
    }
    expect(chunks).toEqual(sent);
  });

  it('aborts mid-stream when the signal fires: the reader gets egress_aborted, the upstream sees its connection close', async () => {
    const { upstream } = await steppedUpstream(['data: first\n\n', 'data: never sent\n\n']);
    const controller = new AbortController();
    const response = await egress.stream({ url: upstream.origin, signal: controller.signal });
    const chunks: string[] = [];
    const reading = (async () => {
      for await (const chunk of response.body) {
        chunks.push(chunk.toString());
        controller.abort();
      }
    })();
    await expect(reading).rejects.toThrow(EgressAbortedError);
    await expect(reading).rejects.toMatchObject({ code: 'egress_aborted' });
    expect(chunks).toEqual(['data: first\n\n']);
    await upstream.received[0].connectionClosed;
  });

  it('aborts while waiting for the headers, closing the connection', async () => {
    const controller = new AbortController();
    const arrived = signal();
    const upstream = await stub(() => arrived.resolve());
    const call = egress.stream({ url: upstream.origin, signal: controller.signal });
    await arrived.promise;
    controller.abort();
    await expect(call).rejects.toThrow(EgressAbortedError);
    await upstream.received[0].connectionClosed;
  });

  it('refuses to start with a signal that already fired, without connecting', async () => {
    const upstream = await stub((_req, res) => res.end());
    await expect(egress.stream({ url: upstream.origin, signal: AbortSignal.abort() })).rejects.toThrow(
      EgressAbortedError,
    );
    expect(upstream.connections).toBe(0);
  });

  it('closes the upstream connection when the reader stops early or cancels', async () => {
    const first = await steppedUpstream(['one', 'two']);
    const leaving = await egress.stream({ url: first.upstream.origin });
    for await (const chunk of leaving.body) {
      expect(chunk.toString()).toBe('one');
      break;
    }
    await first.upstream.received[0].connectionClosed;

    const second = await steppedUpstream(['one', 'two']);
    const cancelled = await egress.stream({ url: second.upstream.origin });
    cancelled.body.cancel();
    await second.upstream.received[0].connectionClosed;
  });
});
