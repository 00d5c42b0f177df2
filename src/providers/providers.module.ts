import { Module } from '@nestjs/common';
import { PermissionsModule } from '../permissions/permissions.module.js';
import { ProvidersCache } from './providers-cache.js';
import { ProvidersController } from './providers.controller.js';
import { ProvidersService } from './providers.service.js';

@Module({
  imports: [PermissionsModule],
  controllers: [ProvidersController],
  providers: [ProvidersService, ProvidersCache],
})
export class ProvidersModule {}
