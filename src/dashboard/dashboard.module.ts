import { Module } from '@nestjs/common';
import { DashboardAssetsController } from './dashboard-assets.controller.js';
import { DashboardPage } from './dashboard-page.js';
import { DashboardController } from './dashboard.controller.js';

/** The providers picker page that ships with the service, and its assets. */
@Module({
  controllers: [DashboardController, DashboardAssetsController],
  // Read and hashed once, at start-up: a missing or broken file stops the boot.
  providers: [{ provide: DashboardPage, useFactory: () => DashboardPage.load() }],
})
export class DashboardModule {}
