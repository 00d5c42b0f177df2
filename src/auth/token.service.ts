import { Inject, Injectable } from '@nestjs/common';
import jwt from 'jsonwebtoken';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config.js';
import { JWT_SIGNING_KEY } from './jwt-secret.js';
import { JWT_ALGORITHM } from './jwt.strategy.js';

export interface IssuedToken {
  token: string;
  /** Unique per sign-in; the CSRF token is bound to it. */
  jti: string;
  expiresIn: number;
}

@Injectable()
export class TokenService {
  constructor(
    private readonly config: AppConfig,
    @Inject(JWT_SIGNING_KEY) private readonly signingKey: string,
  ) {}

  issue(userId: number): IssuedToken {
    const jti = randomBytes(16).toString('base64url');
    const token = jwt.sign({}, this.signingKey, {
      algorithm: JWT_ALGORITHM,
      subject: String(userId),
      issuer: this.config.JWT_ISSUER,
      audience: this.config.JWT_AUDIENCE,
      expiresIn: this.config.JWT_EXPIRES_IN,
      jwtid: jti,
    });
    return { token, jti, expiresIn: this.config.JWT_EXPIRES_IN };
  }
}
