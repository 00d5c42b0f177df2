import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { errorBody } from './error-body.js';
import { NEVER_CACHE } from './no-cache.js';
import type { HeaderSet } from './security-headers.js';

const MESSAGES: Record<number, string> = {
  400: 'Malformed HTTP request',
  408: 'The request was not received in time',
  431: 'Request header fields too large',
};

/** How long a refused connection may go on sending before it is cut. */
const LINGER_MS = 2000;

/**
 * The handler of what Node's HTTP parser refuses before any route runs (conflicting
 * Content-Length and Transfer-Encoding, a bad chunk, oversized headers, a request that never
 * finished arriving). It answers in the service's one error shape, never cached and with the
 * service's security headers (serviceSecurityHeaders), then closes the connection: after a
 * framing error nothing else on it can be trusted. Fastify's default handler does the same
 * with its own body and fewer headers.
 */
export function clientErrorHandler(
  securityHeaders: HeaderSet,
): (error: Error & { code?: string }, socket: Socket) => void {
  const securityLines = Object.entries(securityHeaders).map(([name, value]) => `${name}: ${value}`);
  return (error, socket) => {
    // The client went away: there is nobody to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    // The parser fails again on what follows an error already answered.
    if (socket.writableEnded) return;
    if (!socket.writable) {
      socket.destroy(error);
      return;
    }
    const status = error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : error.code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    const body = JSON.stringify(errorBody(status, MESSAGES[status]));
    socket.end(
      [
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
        'Content-Type: application/json; charset=utf-8',
        `Content-Length: ${Buffer.byteLength(body)}`,
        `Cache-Control: ${NEVER_CACHE}`,
        'Pragma: no-cache',
        ...securityLines,
        'Connection: close',
        '',
        body,
      ].join('\r\n'),
    );
    // What the client is still sending (the rest of a 64 KiB header) is read and dropped: closing
    // with unread bytes resets the connection, and on Node 24 the client then loses the answer.
    socket.resume();
    setTimeout(() => socket.destroy(), LINGER_MS).unref();
  };
}
