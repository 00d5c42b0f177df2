import http from 'node:http';

export interface Outcome {
  /** When the request was handed to the socket and when its answer (or error) came back (performance.now()). */
  sentAt: number;
  doneAt: number;
  /** Which worker sent it, and what it asked (e.g. which user's token). */
  worker: number;
  label: string;
  status?: number;
  headers?: http.IncomingHttpHeaders;
  body?: string;
  /** A socket error instead of an answer: ECONNREFUSED, ECONNRESET, ... */
  error?: string;
}

export interface RequestSpec {
  method: string;
  path: string;
  headers?: Record<string, string>;
  body?: string;
  label?: string;
}

export interface LoadOptions {
  base: string;
  /** Requests in flight at once (one per worker): the load is bounded. */
  concurrency: number;
  /** What worker `worker` sends as its `n`th request. */
  request(worker: number, n: number): RequestSpec;
  /** Called after every answer; false stops that worker (a promise: the worker waits for it). */
  keepGoing(outcome: Outcome): boolean | Promise<boolean>;
  /** Reuse connections (as browsers and most clients do). Default true. */
  keepAlive?: boolean;
}

/** One request, resolved with its outcome whatever happens (never rejects). */
export function send(base: string, spec: RequestSpec, agent?: http.Agent, worker = 0): Promise<Outcome> {
  const url = new URL(spec.path, base);
  return new Promise((resolve) => {
    const sentAt = performance.now();
    const done = (rest: Partial<Outcome>) =>
      resolve({ sentAt, doneAt: performance.now(), worker, label: spec.label ?? '', ...rest });
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method: spec.method,
        headers: spec.headers,
        agent,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          done({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }),
        );
        res.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => done({ error: err.code ?? err.message }));
    req.end(spec.body);
  });
}

/**
 * A closed-loop load on the loopback interface: `concurrency` workers, each sending its next
 * request as soon as the previous one is answered, until `keepGoing` says stop. Returns every
 * outcome, in the order they completed.
 */
export async function runLoad(options: LoadOptions): Promise<Outcome[]> {
  const agent = new http.Agent({ keepAlive: options.keepAlive ?? true, maxSockets: options.concurrency });
  const outcomes: Outcome[] = [];
  const worker = async (id: number) => {
    for (let n = 0; ; n++) {
      const outcome = await send(options.base, options.request(id, n), agent, id);
      outcomes.push(outcome);
      if (!(await options.keepGoing(outcome))) return;
    }
  };
  try {
    await Promise.all(Array.from({ length: options.concurrency }, (_, id) => worker(id)));
  } finally {
    agent.destroy();
  }
  return outcomes;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}
