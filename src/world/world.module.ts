import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module.js';
import { DemoEchoRepository } from './demo-echo.repository.js';
import { DemoWorldService } from './demo-world.service.js';
import { WorldImportRepository } from './world-import.repository.js';
import { WorldImportService } from './world-import.service.js';

/** Importing world files (the CLI builds its own WorldImportService) and the demo data at start-up. */
@Module({
  imports: [UsersModule],
  providers: [WorldImportRepository, WorldImportService, DemoWorldService, DemoEchoRepository],
  exports: [WorldImportService, DemoWorldService],
})
export class WorldModule {}
