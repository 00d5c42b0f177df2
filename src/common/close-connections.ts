import type { FastifyInstance } from 'fastify';

/**
 * Once the server starts closing, every response ends its connection (`Connection: close`).
 * Node closes the connections that are idle when the server closes, but a request in flight
 * at that moment would otherwise leave its connection kept alive, idle, after its answer, and
 * the server would wait for the client to drop it (up to the keep-alive timeout, 72 s): a
 * SIGTERM would take that long, or be cut short by SHUTDOWN_TIMEOUT_MS. Clients see the close
 * and send their next request elsewhere.
 */
export function registerCloseConnectionsOnShutdown(fastify: FastifyInstance): void {
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  // A callback, not an async function: one promise less on every answer.
  fastify.addHook('onSend', (_request, reply, payload, done) => {
    if (closing) reply.header('connection', 'close');
    done(null, payload);
  });
}
