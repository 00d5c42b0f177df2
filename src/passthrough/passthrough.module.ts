import { DynamicModule, Module } from '@nestjs/common';
import { PermissionsModule } from '../permissions/permissions.module.js';
import { DemoEchoController } from './demo-echo/demo-echo.controller.js';
import { PassthroughController } from './passthrough.controller.js';
import { PassthroughRepository } from './passthrough.repository.js';
import { PassthroughMetrics } from './passthrough-metrics.js';
import { PassthroughService } from './passthrough.service.js';
import { UsageController } from './usage.controller.js';
import { UsageJournal } from './usage-journal.js';
import { UsageService } from './usage.service.js';

export interface PassthroughModuleOptions {
  /** Serve the demo echo upstream under /demo/openai/v1 (demo data on, never in production). */
  demoEcho: boolean;
}

/** The prompt passthrough and its usage journal. SecretsService and EgressService come from their global modules. */
@Module({})
export class PassthroughModule {
  static register({ demoEcho }: PassthroughModuleOptions): DynamicModule {
    return {
      module: PassthroughModule,
      imports: [PermissionsModule],
      controllers: [PassthroughController, UsageController, ...(demoEcho ? [DemoEchoController] : [])],
      providers: [PassthroughRepository, PassthroughService, PassthroughMetrics, UsageJournal, UsageService],
    };
  }
}
