/**
 * An error that means something to the domain (a provider not found, a sign-in refused…), with
 * a stable `code` for clients and the HTTP status it answers with. Services throw these; the
 * one exception filter (AllExceptionsFilter) turns them into the error body, so no controller
 * maps errors by hand. `headers` are sent with the answer (e.g. Retry-After).
 */
export abstract class DomainError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /**
   * Whether the body carries `code`. Answers whose body was fixed before errors had codes (the
   * sign-in refusals) keep it exactly, for the clients that compare it whole, and say false.
   */
  readonly codeInBody: boolean = true;
  /** Fields added to the body beside `code` (e.g. `problems` of a 400, the `ids` an ambiguous name matched). */
  readonly details?: Readonly<Record<string, unknown>>;

  constructor(
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = new.target.name;
  }
}
