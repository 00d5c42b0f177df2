import { connect, type Socket } from 'node:net';

export interface RawAnswer {
  /** The raw bytes the server sent back, as latin1 text. */
  text: string;
  /** Every status line in it (more than one would mean a request was smuggled through). */
  statuses: number[];
  /** Whether the server closed the connection. */
  closed: boolean;
  ms: number;
}

export interface RawRequestOptions {
  /**
   * Also resolve this long after the last byte arrived (or after connecting, if none did), for
   * a server that may keep the connection open. Without it, waits for the server to close it.
   */
  idleMs?: number;
  /**
   * A socket error is expected (the server may close while the client is still writing, say a
   * refused 10 MB body): resolve with what arrived. Without it, an error rejects.
   */
  ignoreErrors?: boolean;
}

/**
 * Bytes straight onto a socket at 127.0.0.1:`port`, for requests no HTTP client library would
 * send: `write` is called once connected, and may write, end or keep writing.
 */
export function rawRequest(
  port: number,
  write: (socket: Socket) => void,
  options: RawRequestOptions = {},
): Promise<RawAnswer> {
  const { idleMs, ignoreErrors = false } = options;
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const started = performance.now();
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = (closed: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      const statuses = [...text.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
      resolve({ text, statuses, closed, ms: performance.now() - started });
    };
    const arm = () => {
      if (idleMs === undefined) return;
      clearTimeout(timer);
      timer = setTimeout(() => finish(false), idleMs);
    };
    socket.on('data', (d) => {
      text += d.toString('latin1');
      arm();
    });
    socket.on('close', () => finish(true));
    socket.on('error', (err) => {
      if (ignoreErrors) return;
      clearTimeout(timer);
      reject(err);
    });
    socket.on('connect', () => {
      arm();
      write(socket);
    });
  });
}

/** The status, headers and body of the first answer in a raw response. */
export function parseRaw(text: string): { statusCode: number; headers: Record<string, string>; body: string } {
  const [head, ...rest] = text.split('\r\n\r\n');
  const [statusLine, ...lines] = head.split('\r\n');
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const i = line.indexOf(':');
    headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  const length = Number(headers['content-length'] ?? 0);
  return { statusCode: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n').slice(0, length) };
}
