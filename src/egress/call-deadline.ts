/**
 * One call's AbortSignal: it fires when the caller's own signal does, or when the call's total
 * time is up, and remembers which of the two it was, so that each maps to its own error.
 */
export class CallDeadline {
  readonly signal: AbortSignal;
  private expired = false;
  private readonly controller = new AbortController();
  private readonly timer: NodeJS.Timeout;
  private readonly onCallerAbort = () => this.controller.abort();

  constructor(
    private readonly caller: AbortSignal | undefined,
    totalMs: number,
  ) {
    this.signal = this.controller.signal;
    this.timer = setTimeout(() => {
      this.expired = true;
      this.controller.abort();
    }, totalMs);
    // The call is what keeps the process busy, not its deadline.
    this.timer.unref();
    if (caller?.aborted) this.controller.abort();
    else caller?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  get timedOut(): boolean {
    return this.expired;
  }

  get abortedByCaller(): boolean {
    return !this.expired && (this.caller?.aborted ?? false);
  }

  /** The call is over: no timer left running, no listener left on the caller's signal. */
  dispose(): void {
    clearTimeout(this.timer);
    this.caller?.removeEventListener('abort', this.onCallerAbort);
  }
}
