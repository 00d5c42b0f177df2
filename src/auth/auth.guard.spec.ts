import { ExecutionContext, HttpException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import jwt from 'jsonwebtoken';
import { loadConfig } from '../config/app-config.js';
import type { UsersService } from '../users/users.service.js';
import { AuthGuard } from './auth.guard.js';
import type { AuthUser } from '../users/auth-user.js';
import { CsrfService } from './csrf.service.js';
import { JwtStrategy } from './jwt.strategy.js';

const SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET });
const alice: AuthUser = { id: 7, username: 'alice', email: 'a@x.test', isSuperuser: false, isStaff: false, isActive: true };
const token = jwt.sign({}, SECRET, { subject: '7', issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE, expiresIn: 60, jwtid: 'j1' });

/** The guard with a users service of our making: the one edge replaced here is the database. */
function guardWith(findAuthUser: (id: number) => Promise<AuthUser | null>): AuthGuard {
  const users = { findAuthUser } as unknown as UsersService;
  return new AuthGuard(new Reflector(), new JwtStrategy(config, SECRET, users), new CsrfService(SECRET));
}

function contextFor(headers: Record<string, string>) {
  const request = { headers, cookies: {}, method: 'GET', url: '/auth/me' } as unknown as FastifyRequest & { user?: AuthUser };
  const sent: Record<string, string> = {};
  const reply = { header: (name: string, value: string) => (sent[name] = value) } as unknown as FastifyReply;
  class SomeController {}
  const context = {
    getHandler: () => function handler() {},
    getClass: () => SomeController,
    switchToHttp: () => ({ getRequest: () => request, getResponse: () => reply }),
  } as unknown as ExecutionContext;
  return { context, request, sent };
}

describe('AuthGuard', () => {
  it('puts the user on the request for a valid token', async () => {
    const { context, request } = contextFor({ authorization: `Bearer ${token}` });
    await expect(guardWith(async () => alice).canActivate(context)).resolves.toBe(true);
    expect(request.user).toEqual(alice);
  });

  it('lets a database failure through as an error (503 from the filter), not as a 401', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const { context } = contextFor({ authorization: `Bearer ${token}` });
    await expect(guardWith(() => Promise.reject(down)).canActivate(context)).rejects.toBe(down);
  });

  it('401 with invalid_token for an unknown or inactive user', async () => {
    for (const found of [null, { ...alice, isActive: false }]) {
      const { context, sent } = contextFor({ authorization: `Bearer ${token}` });
      await expect(guardWith(async () => found).canActivate(context)).rejects.toBeInstanceOf(UnauthorizedException);
      expect(sent['www-authenticate']).toBe('Bearer realm="providers", error="invalid_token"');
    }
  });

  it('never asks the database about a token it cannot verify', async () => {
    let asked = false;
    const guard = guardWith(async () => {
      asked = true;
      return alice;
    });
    const forged = jwt.sign({}, 'another-secret-another-secret-another', { subject: '7', expiresIn: 60 });
    const { context } = contextFor({ authorization: `Bearer ${forged}`, accept: 'text/html' });
    const refusal = await guard.canActivate(context).catch((err: HttpException) => err);
    expect((refusal as HttpException).getStatus()).toBe(302);
    expect(asked).toBe(false);
  });
});
