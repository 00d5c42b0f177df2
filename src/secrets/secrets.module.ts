import { Module } from '@nestjs/common';
import { SecretsConfigurableModule } from './secrets.module-definition.js';
import { SecretsService } from './secrets.service.js';

@Module({ providers: [SecretsService], exports: [SecretsService] })
export class SecretsModule extends SecretsConfigurableModule {}
