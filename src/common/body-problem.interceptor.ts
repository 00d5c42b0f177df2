import { CallHandler, ExecutionContext, HttpException, Injectable, NestInterceptor } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import type { Observable } from 'rxjs';
import { bodyProblemOf, IGNORE_BODY } from './body-parsing.js';

/**
 * Reports the body problem that the parsers recorded (400 malformed JSON, 415 unknown content
 * type). An interceptor because interceptors run after guards: an anonymous caller is told to
 * authenticate before being told anything about its body. Handlers marked @IgnoreBody() never
 * read the body, so nothing about it is reported there.
 */
@Injectable()
export class BodyProblemInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const problem = bodyProblemOf(context.switchToHttp().getRequest<FastifyRequest>());
      const ignored = this.reflector.getAllAndOverride<boolean>(IGNORE_BODY, [
        context.getHandler(),
        context.getClass(),
      ]);
      if (problem && !ignored) throw new HttpException(problem.message, problem.status);
    }
    return next.handle();
  }
}
