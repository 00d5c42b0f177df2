import { DomainError } from '../common/domain-error.js';
import type { FieldProblem } from '../common/error-body.js';

/** The caller may read the provider, but it is switched off: nothing is sent. */
export class ProviderNotActiveError extends DomainError {
  readonly code = 'provider_not_active';
  readonly status = 409;
  constructor(readonly providerId: number) {
    super('provider is not active');
  }
}

/** The provider is active but nobody has given it a key: there is nothing to authenticate with upstream. */
export class ProviderHasNoApiKeyError extends DomainError {
  readonly code = 'provider_has_no_api_key';
  readonly status = 409;
  constructor(readonly providerId: number) {
    super('provider has no API key');
  }
}

/** A slug that names several providers the caller may read: the caller must pick one by id. */
export class AmbiguousProviderSlugError extends DomainError {
  readonly code = 'provider_slug_ambiguous';
  readonly status = 409;
  readonly details: { ids: number[] };
  constructor(slug: string, ids: number[]) {
    super(`"${slug}" names several providers (ids ${ids.join(', ')}); call it by id`);
    this.details = { ids };
  }
}

/** The body is not a chat-completions request this service can forward. */
export class InvalidPromptError extends DomainError {
  readonly code = 'invalid_prompt';
  readonly status = 400;
  readonly details: { problems: FieldProblem[] };
  constructor(problems: FieldProblem[]) {
    super(problems.map((p) => `${p.field}: ${p.message}`).join('; '));
    this.details = { problems };
  }
}

/** The caller already has as many passthrough calls in flight as allowed. */
export class TooManyPromptsError extends DomainError {
  readonly code = 'too_many_concurrent_prompts';
  readonly status = 429;
  constructor(limit: number, retryAfterSeconds: number) {
    super(`At most ${limit} passthrough calls at a time per user`, { 'retry-after': String(retryAfterSeconds) });
  }
}

/** The upstream answered with a server error: reported as the gateway's failure, naming its status. */
export class UpstreamServerError extends DomainError {
  readonly code = 'upstream_server_error';
  readonly status = 502;
  readonly details: { upstream_status: number };
  constructor(origin: string, upstreamStatus: number) {
    super(`${origin} answered ${upstreamStatus}`);
    this.details = { upstream_status: upstreamStatus };
  }
}

/** A 2xx/4xx answer that is not JSON: an OpenAI client could not read it, so it is not passed on. */
export class UpstreamNotJsonError extends DomainError {
  readonly code = 'upstream_not_json';
  readonly status = 502;
  readonly details: { upstream_status: number };
  constructor(origin: string, upstreamStatus: number) {
    super(`${origin} answered ${upstreamStatus} with a body that is not JSON`);
    this.details = { upstream_status: upstreamStatus };
  }
}

/** The provider has no base URL to send the prompt to. */
export class ProviderHasNoBaseUrlError extends DomainError {
  readonly code = 'provider_has_no_base_url';
  readonly status = 409;
  constructor(readonly providerId: number) {
    super('provider has no base URL');
  }
}
