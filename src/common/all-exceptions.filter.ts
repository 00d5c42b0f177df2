import { ArgumentsHost, Catch, ExceptionFilter, HttpException, Logger } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { DomainError } from './domain-error.js';
import { errorBody, type ErrorBody } from './error-body.js';
import { isDatabaseUnavailable } from '../database/database-errors.js';
import { DatabaseStatus } from '../database/database-status.js';

/** Fastify's code for a request that outlived REQUEST_TIMEOUT_MS (its `handlerTimeout`). */
const HANDLER_TIMEOUT = 'FST_ERR_HANDLER_TIMEOUT';

/**
 * Maps everything thrown to the one error shape. Unknown errors become a bare 500 (logged
 * here, never echoed: no stack, SQL or path reaches a client), a database that does not
 * answer becomes 503 (logged once per outage by DatabaseStatus), and so does a request that
 * outlived REQUEST_TIMEOUT_MS.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  constructor(private readonly database: DatabaseStatus) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body = this.toBody(exception);
    // The request timed out and was answered already; its handler failed afterwards.
    if (reply.sent) return;
    if (exception instanceof DomainError) reply.headers(exception.headers);
    reply.status(body.statusCode).header('content-type', 'application/json; charset=utf-8').send(body);
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof DomainError) return { ...errorBody(exception.status, exception.message), code: exception.code };
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : ((response as { message?: string | string[] }).message ?? exception.message);
      return errorBody(status, message);
    }
    if (isDatabaseUnavailable(exception)) {
      this.database.unavailable(exception);
      return errorBody(503, 'database unavailable');
    }
    const { statusCode: status, code } = (exception ?? {}) as { statusCode?: unknown; code?: unknown };
    if (code === HANDLER_TIMEOUT) {
      this.logger.debug('A request outlived REQUEST_TIMEOUT_MS and was answered 503');
      return errorBody(503, 'request timed out');
    }
    if (typeof status === 'number' && status >= 400 && status < 500) {
      // Errors raised by Fastify itself (e.g. 413 from a body parser); their messages are fixed
      // texts about the request, never about the server.
      return errorBody(status, (exception as Error).message);
    }
    this.logger.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    return errorBody(500, 'Internal server error');
  }
}
