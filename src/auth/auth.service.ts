import { Injectable, OnModuleInit } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { MetricsService } from '../observability/metrics.service.js';
import { UsersService, type UserCredentials } from '../users/users.service.js';
import { hashPassword, verifyPassword } from './password-hashing.js';
import { CsrfService } from './csrf.service.js';
import { LoginThrottle } from './login-throttle.service.js';
import { PasswordCheckQueue, PasswordChecksBusy } from './password-check-queue.js';
import { InvalidCredentials, SignInBusy, SignInThrottled } from './sign-in.errors.js';
import { TokenService, type IssuedToken } from './token.service.js';

/**
 * Password checks running at once: at most two, and one core always left to the event loop.
 * Two keep sign-in quick for people; a flood of guesses queues behind them instead of taking
 * every core.
 */
const PASSWORD_CHECK_SLOTS = Math.max(1, Math.min(2, availableParallelism() - 1));
/** Beyond this many sign-ins waiting for a slot, further ones get 503 at once. */
const PASSWORD_CHECK_MAX_WAITING = 32;

export interface SignedIn {
  token: IssuedToken;
  csrfToken: string;
}

@Injectable()
export class AuthService implements OnModuleInit {
  private readonly checks = new PasswordCheckQueue(PASSWORD_CHECK_SLOTS, PASSWORD_CHECK_MAX_WAITING);
  /** Checked when the username does not exist, so that an unknown user costs the same time. */
  private dummyHash: string;
  private readonly failures;
  private readonly throttled;
  private readonly checksRefused;

  constructor(
    private readonly users: UsersService,
    private readonly tokens: TokenService,
    private readonly csrf: CsrfService,
    private readonly throttle: LoginThrottle,
    metrics: MetricsService,
  ) {
    this.failures = metrics.counter('auth_sign_in_failures_total', 'Sign-ins refused for a wrong password or user');
    this.throttled = metrics.counter('auth_sign_in_throttled_total', 'Sign-ins refused by the throttle (429)');
    this.checksRefused = metrics.counter(
      'auth_password_checks_refused_total',
      'Sign-ins refused because too many were waiting for a password check (503)',
    );
    metrics.gauge('auth_password_checks_running', 'Password checks running now', () => this.checks.stats.running);
    metrics.gauge(
      'auth_password_checks_waiting',
      'Sign-ins waiting for a password check',
      () => this.checks.stats.waiting,
    );
  }

  async onModuleInit(): Promise<void> {
    this.dummyHash = await hashPassword(randomBytes(24).toString('base64url'));
  }

  /**
   * Checks a username and password. A wrong password, an unknown user and an inactive user
   * fail alike (same error, one password check each), and only failures are counted by the
   * throttle. Refusals are SignInRefused errors.
   */
  async signIn(request: FastifyRequest, username: string, password: string): Promise<SignedIn> {
    await this.assertNotThrottled(request, username, false);

    let checked: { credentials: UserCredentials | null; matches: boolean };
    try {
      checked = await this.checks.run(async () => {
        // Again once a slot is free, against the counts every instance shares: attempts that
        // queued at the same time, here or elsewhere, may have failed since.
        await this.assertNotThrottled(request, username, true);
        // Looked up only once a slot is held, so that a flood refused by the queue never
        // reaches the database, whose pool every other request needs.
        const credentials = await this.users.findCredentials(username);
        const matches = await verifyPassword(credentials?.passwordHash ?? this.dummyHash, password);
        // Counted while the slot is held, so that the next attempt's check sees it.
        if (!matches || !credentials || !credentials.isActive) await this.throttle.recordFailure(request, username);
        return { credentials, matches };
      });
    } catch (err) {
      if (err instanceof PasswordChecksBusy) {
        this.checksRefused.inc();
        throw new SignInBusy(1);
      }
      throw err;
    }
    const { credentials, matches } = checked;

    if (!matches || !credentials || !credentials.isActive) {
      this.failures.inc();
      throw new InvalidCredentials();
    }
    const token = this.tokens.issue(credentials.id);
    return { token, csrfToken: this.csrf.issue(token.jti) };
  }

  private async assertNotThrottled(request: FastifyRequest, username: string, shared: boolean): Promise<void> {
    const throttled = await this.throttle.check(request, username, { shared });
    if (throttled) {
      this.throttled.inc();
      throw new SignInThrottled(throttled.retryAfterSeconds);
    }
  }
}
