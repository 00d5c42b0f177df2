import { Global, Module } from '@nestjs/common';
import { DataChangesService } from './data-changes.service.js';

@Global()
@Module({ providers: [DataChangesService], exports: [DataChangesService] })
export class DataChangesModule {}
