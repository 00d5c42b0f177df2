import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ApiForbiddenResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { requestProvenance } from './origin.js';

const SAME_SITE_ONLY = 'sameSiteOnly';

/**
 * Refuses with 403 and `message` a request that the browser says comes from an untrusted page
 * (requestProvenance): what stops another site from signing a visitor in or out. A request
 * that says nothing (curl, scripts) is let through, since signing in is how they get a
 * token. Checked by SameSiteGuard.
 */
export function SameSiteOnly(message: string): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(SAME_SITE_ONLY, message),
    ApiForbiddenResponse({ description: 'Sent from another site (Origin)' }),
  );
}

/**
 * The check of @SameSiteOnly routes, a global guard between AuthGuard and BodyProblemGuard
 * (app.module.ts): the refusal comes before anything about the body is looked at. Global
 * because a route's own guards run after every global one. Other routes pass at once.
 */
@Injectable()
export class SameSiteGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly config: AppConfig,
  ) {}

  canActivate(context: ExecutionContext): boolean {
    const message = this.reflector.getAllAndOverride<string | undefined>(SAME_SITE_ONLY, [
      context.getHandler(),
      context.getClass(),
    ]);
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    if (message !== undefined && requestProvenance(request, this.config) === 'untrusted') {
      throw new ForbiddenException(message);
    }
    return true;
  }
}
