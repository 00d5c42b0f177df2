/**
 * True when an error means "the database did not answer" (down, restarting, unreachable,
 * too slow), as opposed to a bug or a constraint violation. Such requests get a 503.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  const err = (error as { driverError?: unknown })?.driverError ?? error;
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code ?? '';
  if (['ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'ETIMEDOUT', 'EPIPE', 'ENOENT'].includes(code)) return true;
  // 57014 query_canceled (statement_timeout), 57P0x shutdown/crash, 08xxx connection errors,
  // 53300 too_many_connections.
  if (code === '57014' || code.startsWith('57P') || code.startsWith('08') || code === '53300') return true;
  return /Connection terminated|timeout exceeded when trying to connect|Connection is not established|connect ECONNREFUSED/i.test(
    err.message,
  );
}
