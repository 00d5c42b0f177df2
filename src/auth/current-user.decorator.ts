import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { AuthUser } from '../users/auth-user.js';

/**
 * The signed-in user of a guarded route. Fails loudly (a 500, logged) when no authentication
 * ran, e.g. on a @Public() route, rather than handing the handler an undefined user.
 */
export const CurrentUser = createParamDecorator((_data: unknown, context: ExecutionContext): AuthUser => {
  const user = context.switchToHttp().getRequest<FastifyRequest & { user?: AuthUser }>().user;
  if (!user) {
    throw new Error('@CurrentUser() on a route that was not authenticated: is it @Public()?');
  }
  return user;
});
