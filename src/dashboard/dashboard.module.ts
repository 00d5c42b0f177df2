import { Module } from '@nestjs/common';
import { DashboardAssetsController } from './dashboard-assets.controller.js';
import { DashboardPage } from './dashboard-page.js';
import { DashboardController } from './dashboard.controller.js';
import { ManageController } from './manage.controller.js';
import { PickerController } from './picker/picker.controller.js';
import { PickerRepository } from './picker/picker.repository.js';

/** The dashboard screens that ship with the service, their assets, and the picker's list. */
@Module({
  controllers: [DashboardController, ManageController, DashboardAssetsController, PickerController],
  // Read and hashed once, at start-up: a missing or broken file stops the boot.
  providers: [{ provide: DashboardPage, useFactory: () => DashboardPage.load() }, PickerRepository],
})
export class DashboardModule {}
