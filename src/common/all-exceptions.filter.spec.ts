import { ArgumentsHost, HttpException, ServiceUnavailableException } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AllExceptionsFilter, type ErrorTranslator } from './all-exceptions.filter.js';
import { DomainError } from './domain-error.js';

class ShelfFull extends DomainError {
  readonly code = 'shelf_full';
  readonly status = 409;

  constructor() {
    super('The shelf is full', { 'retry-after': '30' });
  }
}

class OldShapeRefusal extends DomainError {
  readonly code = 'old_shape';
  readonly status = 401;
  override readonly codeInBody = false;
}

interface Sent {
  status?: number;
  headers: Record<string, string>;
  body?: unknown;
}

/** A filter with these translators, and what it sends for `exception`. */
function answer(exception: unknown, translators: ErrorTranslator[] = []): Sent {
  const sent: Sent = { headers: {} };
  const reply = {
    sent: false,
    status(code: number) {
      sent.status = code;
      return this;
    },
    header(name: string, value: string) {
      sent.headers[name] = value;
      return this;
    },
    headers(values: Record<string, string>) {
      Object.assign(sent.headers, values);
      return this;
    },
    send(body: unknown) {
      sent.body = body;
      return this;
    },
  } as unknown as FastifyReply;
  const host = { switchToHttp: () => ({ getResponse: () => reply }) } as unknown as ArgumentsHost;
  new AllExceptionsFilter(translators).catch(exception, host);
  return sent;
}

describe('AllExceptionsFilter', () => {
  it('answers a DomainError with its status, its code in the body and its headers', () => {
    const sent = answer(new ShelfFull());
    expect(sent.status).toBe(409);
    expect(sent.body).toEqual({ statusCode: 409, error: 'Conflict', message: 'The shelf is full', code: 'shelf_full' });
    expect(sent.headers).toMatchObject({ 'retry-after': '30', 'content-type': 'application/json; charset=utf-8' });
  });

  it('leaves the code out of the body of a DomainError that keeps the three-field body', () => {
    const sent = answer(new OldShapeRefusal('Nope'));
    expect(sent.status).toBe(401);
    expect(sent.body).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Nope' });
  });

  it('answers an error a translator recognises as the translator says, asking them in order', () => {
    const asked: string[] = [];
    const translator = (name: string, recognises: boolean): ErrorTranslator => ({
      translate: () => {
        asked.push(name);
        return recognises ? new ServiceUnavailableException(`${name} is down`) : undefined;
      },
    });
    const sent = answer(new Error('ECONNREFUSED'), [
      translator('first', false),
      translator('second', true),
      translator('third', true),
    ]);
    expect(asked).toEqual(['first', 'second']);
    expect(sent.status).toBe(503);
    expect(sent.body).toEqual({ statusCode: 503, error: 'Service Unavailable', message: 'second is down' });
  });

  it('asks no translator about an HttpException, and makes an unrecognised error a bare 500', () => {
    let asked = 0;
    const translate = () => {
      asked++;
      return undefined;
    };
    expect(answer(new HttpException('I am a teapot', 418), [{ translate }]).body).toEqual({
      statusCode: 418,
      error: "I'm a Teapot",
      message: 'I am a teapot',
    });
    expect(asked).toBe(0);
    expect(answer(new Error('SELECT secret FROM users'), [{ translate }]).body).toEqual({
      statusCode: 500,
      error: 'Internal Server Error',
      message: 'Internal server error',
    });
    expect(asked).toBe(1);
  });
});

describe("AllExceptionsFilter: a DomainError's details", () => {
  class Invalid extends DomainError {
    readonly code = 'invalid';
    readonly status = 400;
    override readonly details = { problems: [{ field: 'name', message: 'must not be empty' }] };
  }

  it('sends them beside its code (e.g. the problems of a 400, by field)', () => {
    expect(answer(new Invalid('name: must not be empty')).body).toEqual({
      statusCode: 400,
      error: 'Bad Request',
      message: 'name: must not be empty',
      code: 'invalid',
      problems: [{ field: 'name', message: 'must not be empty' }],
    });
  });
});
