import { Module } from '@nestjs/common';
import { PassthroughController } from './passthrough.controller.js';
import { PassthroughRepository } from './passthrough.repository.js';
import { PassthroughService } from './passthrough.service.js';
import { UsageController } from './usage.controller.js';
import { UsageService } from './usage.service.js';

/** The prompt passthrough and its usage journal. SecretsService and EgressService come from their global modules. */
@Module({
  controllers: [PassthroughController, UsageController],
  providers: [PassthroughRepository, PassthroughService, UsageService],
})
export class PassthroughModule {}
