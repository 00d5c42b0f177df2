import { Module } from '@nestjs/common';
import { PassthroughController } from './passthrough.controller.js';
import { PassthroughRepository } from './passthrough.repository.js';
import { PassthroughService } from './passthrough.service.js';

/** The prompt passthrough and its usage journal. SecretsService and EgressService come from their global modules. */
@Module({
  controllers: [PassthroughController],
  providers: [PassthroughRepository, PassthroughService],
})
export class PassthroughModule {}
