import { Logger } from '@nestjs/common';
import { captureProcessOutput } from '../../test/support/process-output.js';
import { runWithRequestId } from './request-context.js';
import { requestIdFrom } from './request-id.js';
import { ServiceLogger } from './service-logger.js';

/** What the logger writes: JSON lines go out once the event loop's turn ends (log-output.ts). */
async function logged(json: boolean, level: 'log' | 'debug', write: (logger: Logger) => void): Promise<string> {
  const captured = captureProcessOutput();
  try {
    Logger.overrideLogger(new ServiceLogger({ json, level }));
    write(new Logger('Somewhere'));
    await new Promise(setImmediate);
  } finally {
    captured.restore();
    Logger.overrideLogger(new ServiceLogger({ json: false, level: 'error' }));
  }
  return captured.output();
}

describe('ServiceLogger', () => {
  // Node prints its warning about jest's VM modules at the first turn of the event loop: before
  // anything is captured, not among the logger's lines.
  beforeAll(() => new Promise(setImmediate));

  it('writes JSON lines with the request id of the code that logged', async () => {
    const out = await logged(true, 'log', (logger) => {
      runWithRequestId('req-1', () => logger.error('Query failed: something'));
      logger.log('outside any request');
    });
    const [inside, outside] = out
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(inside).toMatchObject({
      level: 'error',
      message: 'Query failed: something',
      context: 'Somewhere',
      request_id: 'req-1',
    });
    expect(typeof inside.time).toBe('string');
    expect(outside.request_id).toBeUndefined();
  });

  it('masks secrets in structured fields', async () => {
    const out = await logged(true, 'log', (logger) =>
      logger.log('attempt', { authorization: 'Bearer abc.def', password: 'hunter2', cookie: 'access_token=x1' }),
    );
    expect(out).not.toMatch(/abc\.def|hunter2|x1/);
    expect(out).toContain('[REDACTED]');
  });

  it("logs Nest's start-up lines at debug only", async () => {
    const write = () => Logger.log('Mapped {/x, GET} route', 'RouterExplorer');
    expect(await logged(false, 'log', write)).toBe('');
    expect(await logged(false, 'debug', write)).toContain('Mapped {/x, GET} route');
  });

  it('writes the lines of one turn of the event loop together, in order across stdout and stderr', async () => {
    const captured = captureProcessOutput();
    let writes: { stream: string; text: string }[];
    try {
      const logger = new ServiceLogger({ json: true, level: 'log' });
      logger.log('first', 'Somewhere');
      logger.access('POST /x 200', {
        request_id: 'r-1',
        method: 'POST',
        route: '/x',
        status: 200,
        duration_ms: 1.5,
        user_id: 7,
      });
      // Held until the turn ends, or until a line for the other stream comes.
      expect(captured.writes()).toEqual([]);
      logger.error('second', 'Somewhere');
      logger.warn('third', 'Somewhere');
      await new Promise(setImmediate);
      writes = captured.writes();
    } finally {
      captured.restore();
    }
    const messages = (text: string) =>
      text
        .trim()
        .split('\n')
        .map((line) => (JSON.parse(line) as { message: string }).message);
    expect(writes.map((w) => ({ stream: w.stream, messages: messages(w.text) }))).toEqual([
      { stream: 'stdout', messages: ['first', 'POST /x 200'] },
      { stream: 'stderr', messages: ['second'] },
      { stream: 'stdout', messages: ['third'] },
    ]);
    // The access record has the shape of any other line: time, level, message, context, request id, fields.
    const access = JSON.parse(writes[0].text.trim().split('\n')[1]) as Record<string, unknown>;
    expect(Object.keys(access)).toEqual([
      'time',
      'level',
      'message',
      'context',
      'request_id',
      'method',
      'route',
      'status',
      'duration_ms',
      'user_id',
    ]);
    expect(access).toMatchObject({ level: 'log', context: 'Access', status: 200, duration_ms: 1.5, user_id: 7 });
  });
});

describe('requestIdFrom', () => {
  it('takes X-Request-Id, else X-Smarter-RequestId, when sane; else a fresh UUID', () => {
    expect(requestIdFrom({ 'x-request-id': 'a', 'x-smarter-requestid': 'b' })).toBe('a');
    expect(requestIdFrom({ 'x-request-id': 'bad id', 'x-smarter-requestid': 'b:1.2_3-4' })).toBe('b:1.2_3-4');
    expect(requestIdFrom({ 'x-request-id': 'x'.repeat(128) })).toBe('x'.repeat(128));
    expect(requestIdFrom({ 'x-request-id': 'x'.repeat(129) })).toMatch(/^[0-9a-f-]{36}$/);
    expect(requestIdFrom({})).not.toBe(requestIdFrom({}));
  });
});
