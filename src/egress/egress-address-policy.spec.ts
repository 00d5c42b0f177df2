import { EgressService } from './egress.service.js';
import type { EgressSettings } from './egress-settings.js';
import { EgressRefusedAddressError } from './egress.errors.js';
import type { Resolver } from './guarded-connector.js';
import { startStubUpstream, type StubUpstream } from '../../test/support/stub-upstream.js';

describe('EgressService: where a call may connect', () => {
  let stub: StubUpstream;
  const services: EgressService[] = [];
  const egress = (settings: Partial<EgressSettings>) => {
    const service = new EgressService(settings);
    services.push(service);
    return service;
  };

  beforeEach(async () => {
    stub = await startStubUpstream((_req, res) => res.end('hello'));
  });
  afterEach(async () => {
    await Promise.all(services.splice(0).map((s) => s.onApplicationShutdown()));
    await stub.close();
  });

  it('refuses loopback when it is not allowed, before connecting', async () => {
    await expect(egress({}).request({ url: `${stub.origin}/models` })).rejects.toMatchObject({
      code: 'egress_refused_address',
      kind: 'loopback',
    });
    await expect(egress({}).request({ url: `http://[::1]:${stub.port}/` })).rejects.toThrow(EgressRefusedAddressError);
    expect(stub.connections).toBe(0);
  });

  it.each(['127.1', '0x7f000001', '2130706433', '0177.0.0.1', '[::ffff:127.0.0.1]', '[::ffff:7f00:1]'])(
    'refuses loopback spelled %s',
    async (host) => {
      await expect(egress({}).request({ url: `http://${host}:${stub.port}/` })).rejects.toMatchObject({
        code: 'egress_refused_address',
        kind: 'loopback',
      });
      expect(stub.connections).toBe(0);
    },
  );

  it('refuses localhost, whose system resolution is loopback', async () => {
    await expect(egress({}).request({ url: `http://localhost:${stub.port}/` })).rejects.toThrow(
      EgressRefusedAddressError,
    );
    expect(stub.connections).toBe(0);
  });

  it.each<[string, Partial<EgressSettings>]>([
    ['the host:port is allow-listed', { allowHosts: ['127.0.0.1:PORT'] }],
    ['the host is allow-listed on any port', { allowHosts: ['127.0.0.1'] }],
    ['private addresses are allowed', { allowPrivate: true }],
  ])('reaches the loopback stub when %s', async (_why, settings) => {
    const allowHosts = settings.allowHosts?.map((h) => h.replace('PORT', String(stub.port)));
    const response = await egress({ ...settings, allowHosts }).request({ url: `${stub.origin}/models` });
    expect(response.status).toBe(200);
    expect(response.body.toString()).toBe('hello');
    expect(stub.received.map((r) => r.path)).toEqual(['/models']);
  });

  it('refuses the allow-listed host on another port than the listed one', async () => {
    await expect(egress({ allowHosts: ['127.0.0.1:1'] }).request({ url: stub.origin })).rejects.toThrow(
      EgressRefusedAddressError,
    );
    expect(stub.connections).toBe(0);
  });

  it('reaches a path-limited host:port under its prefix only, even on a connection already open', async () => {
    const service = egress({ allowPaths: [{ host: '127.0.0.1', port: stub.port, pathPrefix: '/demo/openai/v1' }] });
    await expect(service.request({ url: `${stub.origin}/demo/openai/v1/models` })).resolves.toMatchObject({
      status: 200,
    });
    // The keep-alive connection to the same origin stays in the pool: the refusal must not depend on a new connect.
    for (const path of [
      '/api/v1/providers',
      '/demo/openai/v1x/models',
      '/demo/openai/v1/../../api/v1/providers',
      '/',
    ]) {
      await expect(service.request({ url: `${stub.origin}${path}` })).rejects.toMatchObject({
        code: 'egress_refused_path',
        status: 502,
      });
    }
    await expect(
      service.request({ url: `http://127.0.0.1:${stub.port + 1}/demo/openai/v1/models` }),
    ).rejects.toMatchObject({ code: 'egress_refused_address' });
    expect(stub.received.map((r) => r.path)).toEqual(['/demo/openai/v1/models']);
  });

  it('lets a whole-host allowance reach every path of a host that is also path-limited', async () => {
    const service = egress({
      allowHosts: [`127.0.0.1:${stub.port}`],
      allowPaths: [{ host: '127.0.0.1', port: stub.port, pathPrefix: '/demo/openai/v1' }],
    });
    await expect(service.request({ url: `${stub.origin}/models` })).resolves.toMatchObject({ status: 200 });
  });

  it('refuses a made-up name whose DNS answer is private (rebinding), and connects to that answer once allowed', async () => {
    const asked: string[] = [];
    const rebinding: Resolver = async (hostname) => {
      asked.push(hostname);
      return [{ address: '127.0.0.1', family: 4 }];
    };
    const url = `http://upstream.test:${stub.port}/models`;

    await expect(egress({ resolve: rebinding }).request({ url })).rejects.toMatchObject({
      code: 'egress_refused_address',
      host: 'upstream.test',
      kind: 'loopback',
    });
    expect(asked).toEqual(['upstream.test']);
    expect(stub.connections).toBe(0);

    // The same answer is where the socket goes: the checked address is the connected one.
    const allowed = await egress({ resolve: rebinding, allowHosts: ['upstream.test'] }).request({ url });
    expect(allowed.status).toBe(200);
    expect(stub.received[0].headers.host).toBe(`upstream.test:${stub.port}`);
  });

  it('guards https the same way, before any TLS handshake', async () => {
    const resolver: Resolver = async () => [{ address: '127.0.0.1', family: 4 }];
    await expect(egress({ resolve: resolver }).request({ url: `https://upstream.test:${stub.port}/` })).rejects.toThrow(
      EgressRefusedAddressError,
    );
    await expect(egress({}).request({ url: `https://127.0.0.1:${stub.port}/` })).rejects.toThrow(
      EgressRefusedAddressError,
    );
    expect(stub.connections).toBe(0);
  });

  it('keeps the address of a refused name out of the message', async () => {
    const resolver: Resolver = async () => [{ address: '127.0.0.9', family: 4 }];
    const err = await egress({ resolve: resolver })
      .request({ url: `http://internal.test:${stub.port}/` })
      .catch((e: Error) => e);
    expect(err).toBeInstanceOf(EgressRefusedAddressError);
    expect((err as Error).message).not.toContain('127.0.0.9');
  });
});
