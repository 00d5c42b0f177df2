import { STATUS_CODES } from 'node:http';

export const NEVER_CACHE = 'max-age=0, no-cache, no-store, must-revalidate, private';

/** What an error body must never carry: a stack frame, SQL, a file path, a driver's words. */
export const INTERNALS =
  /\bat .+\(|\.(ts|js):\d+|\/(src|dist|node_modules|home|root|tmp|work)\/|\b(SELECT|INSERT|UPDATE|DELETE)\b.+\b(FROM|INTO|SET)\b|QueryFailedError|TypeError|RangeError|relation "|violates|duplicate key/i;

interface Answer {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

/**
 * The documented error shape, exactly `{ statusCode, error, message }` with the status's own
 * reason phrase, nothing internal in it, and never cached. Returns the parsed body.
 */
export function expectErrorShape(
  res: Answer,
  status?: number,
): { statusCode: number; error: string; message: string | string[] } {
  if (status !== undefined) expect(res.statusCode).toBe(status);
  expect(res.statusCode).toBeGreaterThanOrEqual(400);
  expect(String(res.headers['content-type'])).toMatch(/^application\/json/);
  const body = JSON.parse(res.body);
  expect(Object.keys(body).sort()).toEqual(['error', 'message', 'statusCode']);
  expect(body.statusCode).toBe(res.statusCode);
  expect(body.error).toBe(STATUS_CODES[res.statusCode]);
  const messages: unknown[] = Array.isArray(body.message) ? body.message : [body.message];
  for (const m of messages) expect(typeof m).toBe('string');
  expect(res.body).not.toMatch(INTERNALS);
  expect(res.headers['cache-control']).toBe(NEVER_CACHE);
  return body;
}
