import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** What the stub received: every header exactly as sent (names lower-cased), and when the connection closed. */
export interface ReceivedRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
  /** Resolves when the TCP connection that carried the request closes. */
  connectionClosed: Promise<void>;
}

export type StubHandler = (req: IncomingMessage, res: ServerResponse, received: ReceivedRequest) => void;

export interface StubUpstream {
  port: number;
  /** http://127.0.0.1:<port> */
  origin: string;
  received: ReceivedRequest[];
  /** TCP connections accepted, including ones that sent no request. */
  connections: number;
  close(): Promise<void>;
}

/**
 * A throwaway HTTP server on 127.0.0.1 that records what reaches it, for tests of outbound
 * calls: nothing in them ever leaves the machine. The handler runs once the request body is in.
 */
export async function startStubUpstream(handler: StubHandler): Promise<StubUpstream> {
  const sockets = new Set<Socket>();
  const closedSockets = new WeakMap<Socket, Promise<void>>();
  const stub: StubUpstream = {
    port: 0,
    origin: '',
    received: [],
    connections: 0,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const headers: Record<string, string> = {};
      for (let i = 0; i < req.rawHeaders.length; i += 2)
        headers[req.rawHeaders[i].toLowerCase()] = req.rawHeaders[i + 1];
      const received: ReceivedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers,
        body: Buffer.concat(chunks).toString('utf8'),
        connectionClosed: closedSockets.get(req.socket) ?? Promise.resolve(),
      };
      stub.received.push(received);
      handler(req, res, received);
    });
  });
  server.on('connection', (socket: Socket) => {
    stub.connections++;
    sockets.add(socket);
    closedSockets.set(socket, new Promise((resolve) => socket.once('close', () => resolve())));
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  stub.port = (server.address() as AddressInfo).port;
  stub.origin = `http://127.0.0.1:${stub.port}`;
  return stub;
}

/** A port on 127.0.0.1 that nothing listens on (it was bound a moment ago, then released). */
export async function closedPort(): Promise<number> {
  const stub = await startStubUpstream(() => undefined);
  await stub.close();
  return stub.port;
}

/** A promise and the function that resolves it, for a stub that waits for the test's go-ahead. */
export function signal(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/**
 * A `start` for the stubs of one test file: each stub it starts is closed after the test that
 * started it (jest's afterEach, registered once here).
 */
export function stubUpstreams(): (handler: StubHandler) => Promise<StubUpstream> {
  const started: StubUpstream[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });
  return async (handler) => {
    const stub = await startStubUpstream(handler);
    started.push(stub);
    return stub;
  };
}
