import { Logger } from '@nestjs/common';
import { captureProcessOutput } from '../../test/support/process-output.js';
import { runWithRequestId } from './request-context.js';
import { requestIdFrom } from './request-id.js';
import { ServiceLogger } from './service-logger.js';

function logged(json: boolean, level: 'log' | 'debug', write: (logger: Logger) => void): string {
  const captured = captureProcessOutput();
  try {
    Logger.overrideLogger(new ServiceLogger({ json, level }));
    write(new Logger('Somewhere'));
  } finally {
    captured.restore();
    Logger.overrideLogger(new ServiceLogger({ json: false, level: 'error' }));
  }
  return captured.output();
}

describe('ServiceLogger', () => {
  it('writes JSON lines with the request id of the code that logged', async () => {
    const out = logged(true, 'log', (logger) => {
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

  it('masks secrets in structured fields', () => {
    const out = logged(true, 'log', (logger) =>
      logger.log('attempt', { authorization: 'Bearer abc.def', password: 'hunter2', cookie: 'access_token=x1' }),
    );
    expect(out).not.toMatch(/abc\.def|hunter2|x1/);
    expect(out).toContain('[REDACTED]');
  });

  it("logs Nest's start-up lines at debug only", () => {
    const write = () => Logger.log('Mapped {/x, GET} route', 'RouterExplorer');
    expect(logged(false, 'log', write)).toBe('');
    expect(logged(false, 'debug', write)).toContain('Mapped {/x, GET} route');
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
