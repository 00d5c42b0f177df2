import { Injectable, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { randomBytes } from 'node:crypto';
import { SecretsModule } from './secrets.module.js';
import { SecretsService } from './secrets.service.js';

class FakeConfig {
  SECRETS_KEY = randomBytes(32).toString('base64');
  isProduction = true;
  DATA_DIR = '/nonexistent';
}

@Module({ providers: [FakeConfig], exports: [FakeConfig] })
class FakeConfigModule {}

describe('SecretsModule', () => {
  it('builds SecretsService from plain settings that a factory maps from the configuration', async () => {
    const app = await NestFactory.createApplicationContext(
      SecretsModule.registerAsync({
        imports: [FakeConfigModule],
        inject: [FakeConfig],
        useFactory: (config: FakeConfig) => ({
          key: config.SECRETS_KEY,
          production: config.isProduction,
          dataDir: config.DATA_DIR,
        }),
      }),
      { logger: false },
    );
    try {
      const secrets = app.get(SecretsService);
      expect(secrets.decrypt(secrets.encrypt('sk-module-test-123456'))).toBe('sk-module-test-123456');
    } finally {
      await app.close();
    }
  });

  it('registered as global, serves features that do not import it', async () => {
    @Injectable()
    class ProviderKeys {
      constructor(readonly secrets: SecretsService) {}
    }
    @Module({ providers: [ProviderKeys] })
    class FeatureModule {}
    @Module({
      imports: [
        SecretsModule.register({
          key: randomBytes(32).toString('base64'),
          production: true,
          dataDir: '/nonexistent',
          isGlobal: true,
        }),
        FeatureModule,
      ],
    })
    class RootModule {}

    const app = await NestFactory.createApplicationContext(RootModule, { logger: false });
    try {
      expect(app.get(ProviderKeys).secrets).toBe(app.get(SecretsService));
    } finally {
      await app.close();
    }
  });

  it('fails to start in production without a key', async () => {
    await expect(
      NestFactory.createApplicationContext(SecretsModule.register({ production: true, dataDir: '/nonexistent' }), {
        logger: false,
        abortOnError: false,
      }),
    ).rejects.toThrow(/SECRETS_KEY: set a random 32-byte key/);
  });
});
