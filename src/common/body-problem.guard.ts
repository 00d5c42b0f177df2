import { CanActivate, ExecutionContext, HttpException, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { bodyProblemOf, IGNORE_BODY } from './body-parsing.js';

/**
 * Reports the body problem that the parsers recorded (400 malformed JSON, 415 unknown content
 * type). The last global guard (app.module.ts), so it runs once the caller is authenticated
 * and a cross-site post has been refused: an anonymous caller is told to authenticate, and a
 * cross-site one 403, before being told anything about its body. Handlers marked
 * @IgnoreBody() never read the body, so nothing about it is reported there. A guard rather
 * than an interceptor: an interceptor puts every request through Nest's rxjs pipeline, and
 * this needs nothing of it.
 */
@Injectable()
export class BodyProblemGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') return true;
    const problem = bodyProblemOf(context.switchToHttp().getRequest<FastifyRequest>());
    if (!problem) return true;
    const ignored = this.reflector.getAllAndOverride<boolean>(IGNORE_BODY, [context.getHandler(), context.getClass()]);
    if (!ignored) throw new HttpException(problem.message, problem.status);
    return true;
  }
}
