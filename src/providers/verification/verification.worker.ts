import { Injectable, type OnModuleInit } from '@nestjs/common';
import { JobQueue } from '../../jobs/job-queue.js';
import {
  VERIFICATION_QUEUE,
  VERIFICATION_SWEEP_QUEUE,
  VerificationService,
  type VerificationJob,
} from './verification.service.js';

/**
 * The verification jobs on the queue. An attempt that throws (the database is down) is retried
 * with back-off; one whose instance died is failed by pg-boss once it has been active for longer
 * than any verification takes, and retried elsewhere. The sweep runs hourly, once for all
 * instances (pg-boss's schedule).
 */
@Injectable()
export class VerificationWorker implements OnModuleInit {
  constructor(
    private readonly jobs: JobQueue,
    private readonly verification: VerificationService,
  ) {}

  onModuleInit(): void {
    this.jobs.define<VerificationJob>({
      queue: VERIFICATION_QUEUE,
      handle: (job) => this.verification.run(job),
      retryLimit: 5,
      retryDelaySeconds: 30,
      expireInSeconds: 5 * 60,
    });
    this.jobs.define<object>({
      queue: VERIFICATION_SWEEP_QUEUE,
      handle: async () => {
        await this.verification.queueExpired();
      },
      retryLimit: 2,
      retryDelaySeconds: 60,
      expireInSeconds: 10 * 60,
      cron: '17 * * * *',
    });
  }
}
