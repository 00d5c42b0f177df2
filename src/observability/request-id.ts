import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';

/** Header names a caller may send its own request id in, in the order they are trusted. */
const REQUEST_ID_HEADERS = ['x-request-id', 'x-smarter-requestid'] as const;

export const REQUEST_ID_RESPONSE_HEADER = 'x-request-id';

/**
 * A caller's id is only taken when it is a plain token: it goes into every log line and back
 * into a response header, where anything else could forge lines or split headers.
 */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The caller's request id when it is a sane token, else a fresh one (Fastify's genReqId). */
export function requestIdFrom(headers: IncomingHttpHeaders): string {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers[name];
    if (typeof value === 'string' && SANE_REQUEST_ID.test(value)) return value;
  }
  return randomUUID();
}
