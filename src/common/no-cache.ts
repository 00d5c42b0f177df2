import type { FastifyInstance } from 'fastify';

export const NEVER_CACHE = 'max-age=0, no-cache, no-store, must-revalidate, private';

/**
 * Every response is never cached unless it says otherwise (hashed static assets set their
 * own long-lived Cache-Control). A Fastify onSend hook rather than a Nest interceptor, because
 * an interceptor does not see what guards throw, what the transport rejects (413) or the
 * redirects sent to anonymous browsers, and all of those must not be cached either.
 */
export function registerNoCache(fastify: FastifyInstance): void {
  // A callback, not an async function: one promise less on every answer.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    // A response that chose its own caching (a hashed, public asset) is the same for everyone:
    // varying it on credentials would only make shared caches keep a copy per user.
    if (!reply.hasHeader('cache-control')) {
      reply.header('cache-control', NEVER_CACHE);
      reply.header('expires', httpDateNow());
      reply.header('pragma', 'no-cache');
      const vary = reply.getHeader('vary');
      reply.header('vary', vary === undefined ? CREDENTIALS_VARY : mergeVary(vary, CREDENTIALS));
    }
    done(null, payload);
  });
}

/** The request headers an answer depends on, unless it chose its own caching. */
const CREDENTIALS = ['Authorization', 'Cookie'];
const CREDENTIALS_VARY = CREDENTIALS.join(', ');

let dateSecond = -1;
let dateText = '';

/** The current time as an HTTP date, formatted once per second (its resolution). */
function httpDateNow(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== dateSecond) {
    dateSecond = second;
    dateText = new Date(second * 1000).toUTCString();
  }
  return dateText;
}

function mergeVary(current: unknown, add: string[]): string {
  const names = String(current ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const name of add) {
    if (!names.some((n) => n.toLowerCase() === name.toLowerCase())) names.push(name);
  }
  return names.join(', ');
}
