import { Module } from '@nestjs/common';
import { EgressConfigurableModule } from './egress.module-definition.js';
import { EgressService } from './egress.service.js';

@Module({ providers: [EgressService], exports: [EgressService] })
export class EgressModule extends EgressConfigurableModule {}
