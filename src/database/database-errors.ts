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

/**
 * One line about a database error for the log: the driver's code and message (never the SQL
 * or its parameters, which may hold password hashes), printable characters only, bounded.
 */
export function describeDatabaseError(error: unknown): string {
  const err = (error as { driverError?: unknown })?.driverError ?? error;
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  const text = typeof code === 'string' && code && !message.includes(code) ? `${code}: ${message}` : message;
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 200);
}
