import { ExecutionContext, ForbiddenException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { loadConfig } from '../config/app-config.js';
import { SameSiteGuard, SameSiteOnly } from './same-site-only.decorator.js';

const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: 'unit-test-secret-that-is-long-enough-0123456789' });

class SessionController {
  @SameSiteOnly('Cross-site sign-in requests are refused')
  signIn(): void {}

  @SameSiteOnly('Cross-site sign-out requests are refused')
  signOut(): void {}

  anyoneMayCall(): void {}
}

function contextFor(handler: keyof SessionController, headers: Record<string, string>): ExecutionContext {
  return {
    getHandler: () => SessionController.prototype[handler],
    getClass: () => SessionController,
    switchToHttp: () => ({ getRequest: () => ({ headers: { host: 'localhost:3000', ...headers } }) }),
  } as unknown as ExecutionContext;
}

const guard = new SameSiteGuard(new Reflector(), config);

function refusal(handler: keyof SessionController, headers: Record<string, string>): unknown {
  try {
    guard.canActivate(contextFor(handler, headers));
    return null;
  } catch (err) {
    return err;
  }
}

describe('@SameSiteOnly()', () => {
  it.each<Record<string, string>>([
    { origin: 'https://evil.test' },
    { origin: 'null' },
    { 'sec-fetch-site': 'cross-site' },
    { 'sec-fetch-site': 'same-site' },
    { 'sec-fetch-site': 'same-site', origin: 'http://localhost:4000' },
  ])('refuses %j with 403 and the route’s own message', (headers) => {
    const signIn = refusal('signIn', headers);
    expect(signIn).toBeInstanceOf(ForbiddenException);
    expect((signIn as ForbiddenException).message).toBe('Cross-site sign-in requests are refused');
    expect((refusal('signOut', headers) as ForbiddenException).message).toBe(
      'Cross-site sign-out requests are refused',
    );
  });

  it.each<Record<string, string>>([
    { origin: 'http://localhost:3000' },
    { 'sec-fetch-site': 'same-origin' },
    { 'sec-fetch-site': 'none' },
    {},
  ])('lets %j through', (headers) => {
    expect(guard.canActivate(contextFor('signIn', headers))).toBe(true);
  });

  it('leaves a route without the decorator alone, whatever sent it', () => {
    expect(guard.canActivate(contextFor('anyoneMayCall', { origin: 'https://evil.test' }))).toBe(true);
  });
});
