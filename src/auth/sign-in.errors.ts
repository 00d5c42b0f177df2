import { DomainError } from '../common/domain-error.js';
import { bearerChallenge } from './challenge.js';

/**
 * A refused sign-in. The JSON route lets it go to the exception filter, which answers with its
 * status, message and headers; the HTML sign-in page answers with the same status and shows
 * `pageMessage` in the form. Its JSON body is the one sign-in answered with before errors had
 * codes, which clients compare whole, so it carries no `code`.
 */
export abstract class SignInRefused extends DomainError {
  override readonly codeInBody = false;
  /** What the sign-in page tells a person. */
  abstract readonly pageMessage: string;
}

/** A wrong password, an unknown user and an inactive user alike, so that none can be told apart. */
export class InvalidCredentials extends SignInRefused {
  readonly code = 'invalid_credentials';
  readonly status = 401;
  readonly pageMessage = 'Wrong username or password.';

  constructor() {
    super('Invalid username or password', { 'www-authenticate': bearerChallenge() });
  }
}

/** Too many failures for this username or address (LoginThrottle). */
export class SignInThrottled extends SignInRefused {
  readonly code = 'sign_in_throttled';
  readonly status = 429;
  readonly pageMessage = 'Too many failed attempts. Please wait a while before trying again.';

  constructor(retryAfterSeconds: number) {
    super('Too many failed sign-in attempts; try again later', { 'retry-after': String(retryAfterSeconds) });
  }
}

/** Every password check slot taken and the queue full (PasswordCheckQueue). */
export class SignInBusy extends SignInRefused {
  readonly code = 'sign_in_busy';
  readonly status = 503;
  readonly pageMessage = 'The service is busy. Please try again in a moment.';

  constructor(retryAfterSeconds: number) {
    super('Too many sign-ins in progress; try again shortly', { 'retry-after': String(retryAfterSeconds) });
  }
}
