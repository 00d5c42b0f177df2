import { Module } from '@nestjs/common';
import { PermissionsModule } from '../permissions/permissions.module.js';
import { UsersModule } from '../users/users.module.js';
import { ProviderHistoryRepository } from './history/provider-history.repository.js';
import { ProviderManagementController } from './management/provider-management.controller.js';
import { ProviderManagementService } from './management/provider-management.service.js';
import { ProviderRecordsRepository } from './management/provider-records.repository.js';
import { LifecycleController } from './lifecycle/lifecycle.controller.js';
import { LifecycleRepository } from './lifecycle/lifecycle.repository.js';
import { LifecycleService } from './lifecycle/lifecycle.service.js';
import { ProvidersCache } from './providers-cache.js';
import { ProvidersController } from './providers.controller.js';
import { ProvidersRepository } from './providers.repository.js';
import { ProvidersService } from './providers.service.js';
import { VerificationChecks } from './verification/verification-checks.js';
import { VerificationController } from './verification/verification.controller.js';
import { VerificationService } from './verification/verification.service.js';
import { VerificationWorker } from './verification/verification.worker.js';
import { VerificationsRepository } from './verification/verifications.repository.js';

@Module({
  imports: [PermissionsModule, UsersModule],
  controllers: [ProvidersController, ProviderManagementController, VerificationController, LifecycleController],
  providers: [
    ProvidersRepository,
    ProvidersService,
    ProvidersCache,
    ProviderHistoryRepository,
    ProviderRecordsRepository,
    ProviderManagementService,
    VerificationsRepository,
    VerificationChecks,
    VerificationService,
    VerificationWorker,
    LifecycleRepository,
    LifecycleService,
  ],
})
export class ProvidersModule {}
