import { Module } from '@nestjs/common';
import { DemoWorldService } from './demo-world.service.js';
import { WorldImportService } from './world-import.service.js';

/** Importing world files (the CLI builds its own WorldImportService) and the demo data at start-up. */
@Module({
  providers: [WorldImportService, DemoWorldService],
  exports: [WorldImportService, DemoWorldService],
})
export class WorldModule {}
