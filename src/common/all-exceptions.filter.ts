import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Inject, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError } from './domain-error.js';
import { errorBody, type ErrorBody } from './error-body.js';

/**
 * Recognises errors that this folder knows nothing about (a database that does not answer)
 * and says how to answer them. The module that knows the error registers its translator in
 * the ERROR_TRANSLATORS list, so that common/ depends on no storage.
 */
export interface ErrorTranslator {
  /** The answer for `error`, or undefined when it is not one of this translator's. */
  translate(error: unknown): HttpException | undefined;
}

/** The list of ErrorTranslator the filter asks, in order, before calling an error a bug. */
export const ERROR_TRANSLATORS = Symbol('ERROR_TRANSLATORS');

/**
 * Maps everything thrown to the one error shape. Unknown errors become a bare 500 (logged
 * here, never echoed: no stack, SQL or path reaches a client); an error one of the
 * translators recognises gets its answer (a database that does not answer: 503, logged once
 * per outage by DatabaseStatus), and a request that outlived REQUEST_TIMEOUT_MS gets 503
 * (RequestTimedOutError, request-deadline.ts).
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  constructor(@Inject(ERROR_TRANSLATORS) private readonly translators: readonly ErrorTranslator[]) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = this.toBody(exception);
    // The request timed out and was answered already; its handler failed afterwards.
    if (reply.sent) return;
    if (exception instanceof DomainError) reply.headers(exception.headers);
    reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) {
      const body = errorBody(exception.status, exception.message);
      return exception.codeInBody ? { ...body, code: exception.code, ...exception.details } : body;
    }
    if (exception instanceof HttpException) return httpExceptionBody(exception);
    for (const translator of this.translators) {
      const answer = translator.translate(exception);
      if (answer) return httpExceptionBody(answer);
    }
    const { statusCode: status } = (exception ?? {}) as { statusCode?: unknown };
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Errors raised by Fastify itself (e.g. 413 from a body parser); their messages are fixed
      // texts about the request, never about the server.
      return errorBody(status, (exception as Error).message);
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return errorBody(500, 'Internal server error');
  }
}

function httpExceptionBody(exception: HttpException): ErrorBody {
  const response = exception.getResponse();
  const message =
    typeof response === 'string'
      ? response
      : ((response as { message?: string | string[] }).message ?? exception.message);
  return errorBody(exception.getStatus(), message);
}
