import { Module } from '@nestjs/common';
import { PermissionsModule } from '../permissions/permissions.module.js';
import { UsersModule } from '../users/users.module.js';
import { ProviderHistoryRepository } from './history/provider-history.repository.js';
import { ProviderManagementController } from './management/provider-management.controller.js';
import { ProviderManagementService } from './management/provider-management.service.js';
import { ProviderRecordsRepository } from './management/provider-records.repository.js';
import { ProvidersCache } from './providers-cache.js';
import { ProvidersController } from './providers.controller.js';
import { ProvidersRepository } from './providers.repository.js';
import { ProvidersService } from './providers.service.js';

@Module({
  imports: [PermissionsModule, UsersModule],
  controllers: [ProvidersController, ProviderManagementController],
  providers: [
    ProvidersRepository,
    ProvidersService,
    ProvidersCache,
    ProviderHistoryRepository,
    ProviderRecordsRepository,
    ProviderManagementService,
  ],
})
export class ProvidersModule {}
