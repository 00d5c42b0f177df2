import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import type { Authenticator, Presented } from './authenticator.js';
import { JWT_SIGNING_KEY } from './jwt-secret.js';
import { JwtStrategy } from './jwt.strategy.js';
import { bearerToken, presence } from './token-extraction.js';

/**
 * An access token in `Authorization: Bearer`. Any Authorization header is presented to this
 * authenticator (another scheme is a malformed credential), so that a request that sent a bad
 * header is refused as such rather than falling back to its cookie.
 */
@Injectable()
export class BearerJwtAuthenticator implements Authenticator {
  readonly name = 'bearer-jwt';
  readonly strategy: JwtStrategy;

  constructor(config: AppConfig, @Inject(JWT_SIGNING_KEY) signingKey: string) {
    this.strategy = new JwtStrategy(this.name, (request) => bearerToken(request) ?? null, config, signingKey);
  }

  presented(request: FastifyRequest): Presented {
    return presence(bearerToken(request));
  }
}
