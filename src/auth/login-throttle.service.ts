import { Injectable } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import '@fastify/rate-limit';
import { AppConfig } from '../config/app-config.js';

type Limiter = ReturnType<FastifyInstance['createRateLimit']>;

/** How long a throttled caller should wait, in seconds (for Retry-After). */
export interface Throttled {
  retryAfterSeconds: number;
}

/**
 * Brute-force protection for sign-in, counting FAILED attempts only: per username (so one
 * account cannot be guessed at from many addresses) and per client address (so one address
 * cannot guess at many accounts). A success is never counted, so a user signs in normally
 * from an address where someone else mistyped, until that address itself reaches its (ten
 * times larger) limit.
 *
 * The counting is @fastify/rate-limit's in-memory store through its manual limiter, which can
 * peek without counting (`increment: false`): peek before checking a password, count after a
 * failure. Counts are per process; several instances would need its Redis store.
 */
@Injectable()
export class LoginThrottle {
  private limiters?: { user: Limiter; address: Limiter };

  constructor(
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  /** The longest wait among the limits this attempt has reached, or null when it may proceed. */
  async check(request: FastifyRequest, username: string): Promise<Throttled | null> {
    const { user, address } = this.getLimiters();
    const statuses = await Promise.all([
      user(withUsername(request, username), { increment: false }),
      address(request, { increment: false }),
    ]);
    let wait = 0;
    for (const status of statuses) {
      if (!status.isAllowed && status.remaining === 0) wait = Math.max(wait, status.ttlInSeconds, 1);
    }
    return wait > 0 ? { retryAfterSeconds: wait } : null;
  }

  async recordFailure(request: FastifyRequest, username: string): Promise<void> {
    const { user, address } = this.getLimiters();
    await Promise.all([user(withUsername(request, username)), address(request)]);
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
