import { jest } from '@jest/globals';
import Fastify, { type FastifyInstance } from 'fastify';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { DomainError } from './domain-error.js';
import { registerRequestDeadline, type RouteDeadlineConfig } from './request-deadline.js';

/** A deadline no other timer of the process uses, so that the deadline's own timers can be told apart. */
const LONG_MS = 987_654;

async function serverWith(timeoutMs: number): Promise<{ app: FastifyInstance; url: string; arrived: Promise<void> }> {
  const app = Fastify();
  registerRequestDeadline(app, timeoutMs);
  // What AllExceptionsFilter does with a DomainError, in short.
  app.setErrorHandler((error, _request, reply) => {
    const status = error instanceof DomainError ? error.status : 500;
    void reply.status(status).send({ message: error instanceof Error ? error.message : String(error) });
  });
  let arrivedNow = () => {};
  const arrived = new Promise<void>((resolve) => (arrivedNow = resolve));
  app.get('/fast', async () => 'ok');
  app.get('/hang', () => {
    arrivedNow();
    return new Promise(() => {});
  });
  const exempt: RouteDeadlineConfig = { requestTimeoutMs: null };
  app.get('/exempt', { config: exempt }, () => {
    arrivedNow();
    return new Promise(() => {});
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  return { app, url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, arrived };
}

describe('registerRequestDeadline', () => {
  afterEach(() => jest.restoreAllMocks());

  it('answers a request that outlives it 503, once', async () => {
    const { app, url } = await serverWith(100);
    try {
      const res = await request(`${url}/hang`);
      expect(res.statusCode).toBe(503);
      expect(await res.body.json()).toEqual({ message: 'request timed out' });
    } finally {
      await app.close();
    }
  });

  it('clears its timer when the answer is sent, and when the client leaves first', async () => {
    const set = jest.spyOn(globalThis, 'setTimeout');
    const cleared = jest.spyOn(globalThis, 'clearTimeout');
    const { app, url, arrived } = await serverWith(LONG_MS);
    try {
      await (await request(`${url}/fast`, { reset: true })).body.text();
      const abort = new AbortController();
      const left = request(`${url}/hang`, { signal: abort.signal }).catch(() => undefined);
      await arrived;
      abort.abort();
      await left;
      const deadlines = () => set.mock.results.filter((_r, i) => set.mock.calls[i][1] === LONG_MS).map((r) => r.value);
      expect(deadlines()).toHaveLength(2);
      // The server sees the client leave a moment after the client does.
      for (let i = 0; i < 100 && !deadlines().every((t) => cleared.mock.calls.some(([c]) => c === t)); i++) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      for (const timer of deadlines()) expect(cleared.mock.calls.some(([c]) => c === timer)).toBe(true);
    } finally {
      await app.close();
    }
  });

  it('sets no timer on a route that is exempt', async () => {
    const set = jest.spyOn(globalThis, 'setTimeout');
    const { app, url, arrived } = await serverWith(LONG_MS);
    try {
      const abort = new AbortController();
      const left = request(`${url}/exempt`, { signal: abort.signal }).catch(() => undefined);
      await arrived;
      abort.abort();
      await left;
      expect(set.mock.calls.filter((call) => call[1] === LONG_MS)).toHaveLength(0);
    } finally {
      await app.close();
    }
  });
});
