import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { JobQueue } from '../../jobs/job-queue.js';
import { ProviderNotFoundError } from '../../permissions/permissions.errors.js';
import { PermissionsService } from '../../permissions/permissions.service.js';
import type { AuthUser } from '../../users/auth-user.js';
import { ProviderHistoryRepository, type HistoryEntry } from '../history/provider-history.repository.js';
import { ProviderStatusConflictError } from '../lifecycle/lifecycle.errors.js';
import { toProviderStatusDto, type ProviderStatusDto } from '../lifecycle/provider-status.dto.js';
import { VerificationChecks } from './verification-checks.js';
import { VERIFICATION_CHECKS } from './provider-verification.entity.js';
import { VerificationResultsDto } from './verification-result.dto.js';
import { VerificationsRepository } from './verifications.repository.js';

export const VERIFICATION_QUEUE = 'provider-verification';
export const VERIFICATION_SWEEP_QUEUE = 'provider-verification-sweep';
/** How long a passed verification holds before the periodic job runs it again. */
export const VERIFICATION_VALID_DAYS = 10;

export interface VerificationJob {
  providerId: number;
  /** Who asked (the history's changed_by); null for the periodic re-verification. */
  requestedBy: number | null;
}

/**
 * Verification: asked for (POST …/verify, or the periodic sweep), it sets the status to
 * `verifying` and queues a job in one transaction; the job (verification.worker.ts) runs the
 * checks, recording each result as it is decided, then the outcome and its history row in
 * another transaction.
 */
@Injectable()
export class VerificationService {
  private readonly logger = new Logger(VerificationService.name);

  constructor(
    private readonly db: DataSource,
    private readonly permissions: PermissionsService,
    private readonly verifications: VerificationsRepository,
    private readonly history: ProviderHistoryRepository,
    private readonly checks: VerificationChecks,
    private readonly jobs: JobQueue,
  ) {}

  /** A suspended or deprecated provider is not verified: that would end its moderation. */
  async request(user: AuthUser, id: number): Promise<ProviderStatusDto> {
    await this.permissions.requireAccess(user, 'provider.manage', id);
    const answer = await this.queue(id, user.id);
    this.jobs.wake(VERIFICATION_QUEUE);
    return answer;
  }

  async latestResults(user: AuthUser, id: number): Promise<VerificationResultsDto> {
    await this.permissions.requireAccess(user, 'provider.manage', id);
    const rows = await this.verifications.latestResults(id);
    rows.sort((a, b) => VERIFICATION_CHECKS.indexOf(a.check) - VERIFICATION_CHECKS.indexOf(b.check));
    return {
      items: rows.map((r) => ({
        check: r.check,
        ok: r.ok,
        message: r.message,
        checked_at: r.checked_at.toISOString(),
      })),
    };
  }

  /**
   * The job: each check's result is recorded as it is decided (the dashboard shows them as they
   * come); the outcome is written once they all are, so it never stands without the results it
   * was decided on.
   */
  async run({ providerId, requestedBy }: VerificationJob): Promise<void> {
    const provider = await this.verifications.findUnderCheck(providerId);
    if (!provider) return;
    const results = await this.checks.run(provider, (result) =>
      this.verifications.recordResults(this.db.manager, providerId, [result]),
    );
    const passed = results.every((r) => r.ok);
    await this.db.transaction(async (manager) => {
      const before = await this.verifications.lockStatus(manager, providerId);
      if (!before) return;
      // Moderated while the checks ran: the results are kept, the moderation stands.
      if (before.status === 'suspended' || before.status === 'deprecated') return;
      const after = await this.verifications.setOutcome(manager, providerId, passed, requestedBy);
      const entries: HistoryEntry[] = [
        {
          providerId,
          changedBy: requestedBy,
          action: 'verification',
          field: 'status',
          oldValue: before.status,
          newValue: after.status,
        },
      ];
      if (before.is_active !== after.is_active) {
        entries.push({
          providerId,
          changedBy: requestedBy,
          action: 'verification',
          field: 'is_active',
          oldValue: String(before.is_active),
          newValue: String(after.is_active),
        });
      }
      await this.history.append(manager, entries);
    });
  }

  /** The periodic job: every active provider whose passed verification has expired is verified again. */
  async queueExpired(): Promise<number> {
    const ids = await this.verifications.expiredIds(VERIFICATION_VALID_DAYS);
    for (const id of ids) {
      try {
        await this.queue(id, null);
      } catch (err) {
        // Moderated or deleted since it was listed: nothing to verify.
        if (!(err instanceof ProviderStatusConflictError || err instanceof ProviderNotFoundError)) throw err;
      }
    }
    if (ids.length) {
      this.logger.log(
        `Re-verifying ${ids.length} provider(s) whose verification is over ${VERIFICATION_VALID_DAYS} days old`,
      );
      this.jobs.wake(VERIFICATION_QUEUE);
    }
    return ids.length;
  }

  private queue(id: number, requestedBy: number | null): Promise<ProviderStatusDto> {
    return this.db.transaction(async (manager) => {
      const before = await this.verifications.lockStatus(manager, id);
      if (!before) throw new ProviderNotFoundError(id);
      if (before.status === 'suspended' || before.status === 'deprecated') {
        throw new ProviderStatusConflictError(before.status, 'verify');
      }
      if (before.status !== 'verifying') {
        await this.verifications.setStatus(manager, id, 'verifying', requestedBy);
        await this.history.append(manager, [
          {
            providerId: id,
            changedBy: requestedBy,
            action: 'verification',
            field: 'status',
            oldValue: before.status,
            newValue: 'verifying',
          },
        ]);
      }
      const job: VerificationJob = { providerId: id, requestedBy };
      await this.jobs.sendInTransaction(manager, VERIFICATION_QUEUE, job);
      return toProviderStatusDto({ ...before, status: 'verifying' });
    });
  }
}
