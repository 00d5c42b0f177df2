import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { EgressModule } from './egress.module.js';
import { EgressService } from './egress.service.js';
import { startStubUpstream, type StubUpstream } from '../../test/support/stub-upstream.js';

class FakeConfig {
  EGRESS_ALLOW_PRIVATE = false;
  EGRESS_ALLOW_HOSTS: string[] = [];
}

@Module({ providers: [FakeConfig], exports: [FakeConfig] })
class FakeConfigModule {}

describe('EgressModule', () => {
  let stub: StubUpstream;
  beforeEach(async () => {
    stub = await startStubUpstream((_req, res) => res.end('ok'));
  });
  afterEach(() => stub.close());

  function start(allowHosts: string[]) {
    return NestFactory.createApplicationContext(
      EgressModule.registerAsync({
        imports: [FakeConfigModule],
        inject: [FakeConfig],
        useFactory: (config: FakeConfig) => ({
          allowPrivate: config.EGRESS_ALLOW_PRIVATE,
          allowHosts: [...config.EGRESS_ALLOW_HOSTS, ...allowHosts],
        }),
      }),
      { logger: false, abortOnError: false },
    );
  }

  it('builds EgressService from plain settings, and closes its connections on shutdown', async () => {
    const app = await start([`127.0.0.1:${stub.port}`]);
    const egress = app.get(EgressService);
    const response = await egress.request({ url: stub.origin });
    expect(response.body.toString()).toBe('ok');
    await app.close();
    await stub.received[0].connectionClosed;
    await expect(egress.request({ url: stub.origin })).rejects.toThrow();
  });

  it('fails to start with a malformed allow-list entry', async () => {
    await expect(start(['http://127.0.0.1:4010'])).rejects.toThrow(
      /EGRESS_ALLOW_HOSTS: "http:\/\/127.0.0.1:4010" is not a host or host:port/,
    );
  });
});
