import { Module } from '@nestjs/common';
import { JobQueue } from './job-queue.js';
import { JobsConfigurableModule } from './jobs.module-definition.js';

@Module({ providers: [JobQueue], exports: [JobQueue] })
export class JobsModule extends JobsConfigurableModule {}
