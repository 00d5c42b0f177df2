import { Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import '@fastify/rate-limit';
import { AppConfig } from '../config/app-config.js';
import { clientAddressKey } from './throttle/client-address-key.js';
import { SignInFailuresRepository } from './throttle/sign-in-failures.repository.js';

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** How long a throttled caller should wait, in seconds (for Retry-After). */
export interface Throttled {
  retryAfterSeconds: number;
}

/** How often rows of closed windows are deleted from the shared table. */
const CLEANUP_INTERVAL_MS = 60_000;

/**
 * Brute-force protection for sign-in, counting FAILED attempts only: per username (so one
 * account cannot be guessed at from many addresses) and per client address (so one address
 * cannot guess at many accounts). A success is never counted, so a user signs in normally
 * from an address where someone else mistyped, until that address itself reaches its (ten
 * times larger) limit.
 *
 * The counts every instance shares are in PostgreSQL (SignInFailuresRepository), asked once a
 * password-check slot is held (`shared`). Each process also counts in memory
 * (@fastify/rate-limit's manual limiter, which can peek without counting), and remembers
 * which keys the shared counts found at their limit: that is what a sign-in is checked
 * against before it queues, so that a flood refused by the queue never reaches the database;
 * and what decides, with a log line, while the shared table cannot be reached.
 */
@Injectable()
export class LoginThrottle implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(LoginThrottle.name);
  private limiters?: { user: Limiter; address: Limiter };
  /** Keys the shared counts found at their limit, with when that window ends (ms). */
  private readonly refusedUntil = new Map<string, number>();
  private sharedStoreDown = false;
  private cleanupTimer?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly failures: SignInFailuresRepository,
  ) {}

  onModuleInit(): void {
    this.cleanupTimer = setInterval(() => void this.cleanUp(), CLEANUP_INTERVAL_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.cleanupTimer);
  }

  /**
   * The longest wait among the limits this attempt has reached, or null when it may proceed.
   * `shared`: ask the counts every instance shares (once a password-check slot is held).
   */
  async check(request: FastifyRequest, username: string, { shared }: { shared: boolean }): Promise<Throttled | null> {
    const local = await this.checkInProcess(request, username);
    if (local || !shared) return local;
    const keys = this.keysFor(request, username);
    let counts;
    try {
      counts = await this.failures.counts(keys.map((k) => k.key));
    } catch (err) {
      this.sharedUnreachable(err);
      return null;
    }
    this.sharedReachable();
    let wait = 0;
    for (const count of counts) {
      const max = keys.find((k) => k.key === count.key)!.max;
      if (count.failures < max) continue;
      wait = Math.max(wait, count.secondsLeft, 1);
      this.refusedUntil.set(count.key, Date.now() + count.secondsLeft * 1000);
    }
    return wait > 0 ? { retryAfterSeconds: wait } : null;
  }

  async recordFailure(request: FastifyRequest, username: string): Promise<void> {
    const { user, address } = this.getLimiters();
    await Promise.all([user(withUsername(request, username)), address(request)]);
    try {
      await this.failures.record(
        this.keysFor(request, username).map((k) => k.key),
        this.config.LOGIN_FAILURE_WINDOW_SECONDS,
      );
      this.sharedReachable();
    } catch (err) {
      this.sharedUnreachable(err);
    }
  }

  /** This process's own counts, and the refusals it has seen in the shared ones. */
  private async checkInProcess(request: FastifyRequest, username: string): Promise<Throttled | null> {
    const { user, address } = this.getLimiters();
    const statuses = await Promise.all([
      user(withUsername(request, username), { increment: false }),
      address(request, { increment: false }),
    ]);
    let wait = 0;
    for (const status of statuses) {
      if (!status.isAllowed && status.remaining === 0) wait = Math.max(wait, status.ttlInSeconds, 1);
    }
    const now = Date.now();
    for (const { key } of this.keysFor(request, username)) {
      const until = this.refusedUntil.get(key);
      if (until === undefined) continue;
      if (until <= now) this.refusedUntil.delete(key);
      else wait = Math.max(wait, Math.ceil((until - now) / 1000));
    }
    return wait > 0 ? { retryAfterSeconds: wait } : null;
  }

  private keysFor(request: FastifyRequest, username: string): { key: string; max: number }[] {
    return [
      // Hashed: a username is whatever a caller typed (up to the body limit, NUL included),
      // and neither its length nor its bytes may decide whether it can be counted.
      {
        key: `user:${createHash('sha256').update(username).digest('base64url')}`,
        max: this.config.LOGIN_MAX_FAILURES_PER_USER,
      },
      { key: `address:${clientAddressKey(request.ip)}`, max: this.config.LOGIN_MAX_FAILURES_PER_IP },
    ];
  }

  private sharedUnreachable(err: unknown): void {
    if (this.sharedStoreDown) return;
    this.sharedStoreDown = true;
    this.logger.warn(
      `Shared sign-in counts unreachable (${(err as Error).message}): counting in this process only until they are back`,
    );
  }

  private sharedReachable(): void {
    if (!this.sharedStoreDown) return;
    this.sharedStoreDown = false;
    this.logger.log('Shared sign-in counts reachable again');
  }

  private async cleanUp(): Promise<void> {
    const now = Date.now();
    for (const [key, until] of this.refusedUntil) if (until <= now) this.refusedUntil.delete(key);
    await this.failures.deleteClosed().catch(() => {});
  }

  // Built on first use: createRateLimit exists once Fastify has loaded the plugin.
  private getLimiters(): { user: Limiter; address: Limiter } {
    if (!this.limiters) {
      const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
      const timeWindow = this.config.LOGIN_FAILURE_WINDOW_SECONDS * 1000;
      this.limiters = {
        user: fastify.createRateLimit({
          max: this.config.LOGIN_MAX_FAILURES_PER_USER,
          timeWindow,
          keyGenerator: (req) => `user:${(req as UsernameCarrier)[USERNAME]}`,
        }),
        // The plugin's default key: the client address, IPv6 grouped by subnet.
        address: fastify.createRateLimit({ max: this.config.LOGIN_MAX_FAILURES_PER_IP, timeWindow }),
      };
    }
    return this.limiters;
  }
}

const USERNAME = Symbol('loginUsername');
type UsernameCarrier = FastifyRequest & { [USERNAME]: string };

/** The limiter derives its key from the request; the username it counts is passed along on it. */
function withUsername(request: FastifyRequest, username: string): FastifyRequest {
  (request as UsernameCarrier)[USERNAME] = username;
  return request;
}
