import { ExecutionContext, ForbiddenException, HttpException, UnauthorizedException } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import jwt from 'jsonwebtoken';
import passport from 'passport';
import type { AccountsRepository } from '../accounts/accounts.repository.js';
import { loadConfig } from '../config/app-config.js';
import type { DataChangesService } from '../database/data-changes.service.js';
import type { AuthUser } from '../users/auth-user.js';
import type { UsersRepository } from '../users/users.repository.js';
import { UsersService } from '../users/users.service.js';
import { AuthUserCheck } from './auth-user-check.service.js';
import { AuthGuard } from './auth.guard.js';
import type { Authenticator, Presented } from './authenticator.js';
import { BearerJwtAuthenticator } from './bearer-jwt.authenticator.js';
import { CookieJwtAuthenticator } from './cookie-jwt.authenticator.js';
import { CsrfService } from './csrf.service.js';
import type {
  RevocationRows,
  TokenRevocationsRepository,
  UserWithRevocationsRow,
} from './revocation/token-revocations.repository.js';
import { TokenRevocations, type PresentedToken } from './revocation/token-revocations.service.js';

const SECRET = 'unit-test-secret-that-is-long-enough-0123456789';
const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET });
const alice: AuthUser = {
  id: 7,
  username: 'alice',
  email: 'a@x.test',
  isSuperuser: false,
  isStaff: false,
  isActive: true,
};
const bob: AuthUser = { ...alice, id: 8, username: 'bob' };
const tokenOf = (sub: string, jti = 'j1') =>
  jwt.sign({}, SECRET, {
    subject: sub,
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    expiresIn: 60,
    jwtid: jti,
  });
const token = tokenOf('7');
const csrf = new CsrfService(SECRET);

/**
 * What the database answers for a user id: the one edge replaced here (the query itself runs on
 * PostgreSQL in test/auth-user-check.e2e-spec.ts).
 */
type ReadUser = (id: number) => Promise<UserWithRevocationsRow | null>;

const NOTHING_SIGNED_OUT: RevocationRows = { revokedJtis: [], tokensValidAfter: null };
function rowOf(user: AuthUser, revocations: RevocationRows = NOTHING_SIGNED_OUT): UserWithRevocationsRow {
  const { id, username, email } = user;
  return {
    user: { id, username, email, is_superuser: user.isSuperuser, is_staff: user.isStaff, is_active: user.isActive },
    revocations,
  };
}
const usersById: ReadUser = async (id) => {
  const user = [alice, bob].find((candidate) => candidate.id === id);
  return user ? rowOf(user) : null;
};

/** The guard and the real user check, with the caches off (as `config` has them) over `read`. */
function guardWith(read: ReadUser, authenticators?: Authenticator[]): AuthGuard {
  const repository = { userWithRevocations: read } as unknown as TokenRevocationsRepository;
  // With the caches off, neither the change feed nor the users' own queries are asked:
  // AuthUserCheck reads through `repository` only.
  const changes = {} as DataChangesService;
  const users = new UsersService({} as UsersRepository, {} as AccountsRepository, config, changes);
  return new AuthGuard(
    new Reflector(),
    authenticators ?? [new BearerJwtAuthenticator(config, SECRET), new CookieJwtAuthenticator(config, SECRET, csrf)],
    new AuthUserCheck(users, new TokenRevocations(repository, config, changes), repository),
  );
}

/** The token as revocation must see it: the claims the token was signed with. */
function presentedOf(signed: string): PresentedToken {
  const claims = jwt.decode(signed, { json: true })!;
  return { userId: Number(claims.sub), jti: claims.jti!, issuedAt: claims.iat!, expiresAt: claims.exp! };
}

function contextFor(
  headers: Record<string, string>,
  { cookies = {}, method = 'GET' }: { cookies?: Record<string, string>; method?: string } = {},
) {
  const request = { headers, cookies, method, url: '/auth/me' } as unknown as FastifyRequest & { user?: AuthUser };
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

/** An authenticator of our own: presents what it is told, and its strategy succeeds with `userId`. */
function fakeAuthenticator(name: string, presented: Presented, userId: number, verified: string[]): Authenticator {
  const strategy: passport.Strategy = {
    authenticate(this: passport.StrategyCreated<passport.Strategy>) {
      verified.push(name);
      this.success({ source: name, userId, credentialId: `${name}-1` });
    },
  };
  return { name, strategy, presented: () => presented };
}

describe('AuthGuard', () => {
  it('puts the user on the request for a valid token', async () => {
    const { context, request } = contextFor({ authorization: `Bearer ${token}` });
    await expect(guardWith(async () => rowOf(alice)).canActivate(context)).resolves.toBe(true);
    expect(request.user).toEqual(alice);
  });

  it('lets a database failure through as an error (503 from the filter), not as a 401', async () => {
    const down = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const { context } = contextFor({ authorization: `Bearer ${token}` });
    await expect(guardWith(() => Promise.reject(down)).canActivate(context)).rejects.toBe(down);
  });

  it('401 with invalid_token for an unknown or inactive user', async () => {
    for (const found of [null, rowOf({ ...alice, isActive: false })]) {
      const { context, sent } = contextFor({ authorization: `Bearer ${token}` });
      await expect(guardWith(async () => found).canActivate(context)).rejects.toBeInstanceOf(UnauthorizedException);
      expect(sent['www-authenticate']).toBe('Bearer realm="providers", error="invalid_token"');
    }
  });

  it('never asks the database about a token it cannot verify', async () => {
    let asked = false;
    const guard = guardWith(async () => {
      asked = true;
      return rowOf(alice);
    });
    const forged = jwt.sign({}, 'another-secret-another-secret-another', { subject: '7', expiresIn: 60 });
    const { context } = contextFor({ authorization: `Bearer ${forged}`, accept: 'text/html' });
    const refusal = await guard.canActivate(context).catch((err: HttpException) => err);
    expect((refusal as HttpException).getStatus()).toBe(302);
    expect(asked).toBe(false);
  });

  it('401 without invalid_token when no credential was presented at all', async () => {
    const { context, sent } = contextFor({});
    await expect(guardWith(usersById).canActivate(context)).rejects.toBeInstanceOf(UnauthorizedException);
    expect(sent['www-authenticate']).toBe('Bearer realm="providers"');
  });

  describe('the bearer token and the session cookie', () => {
    it('takes the session cookie when there is no Authorization header', async () => {
      const { context, request } = contextFor({}, { cookies: { access_token: tokenOf('8') } });
      await expect(guardWith(usersById).canActivate(context)).resolves.toBe(true);
      expect(request.user).toEqual(bob);
    });

    it('lets a present Authorization header decide alone, even beside a good cookie', async () => {
      for (const authorization of [
        'Bearer not-a-token',
        `Basic ${Buffer.from('bob:pw-bob').toString('base64')}`,
        'Bearer a.b.c',
      ]) {
        const { context, request, sent } = contextFor({ authorization }, { cookies: { access_token: tokenOf('8') } });
        await expect(guardWith(usersById).canActivate(context)).rejects.toBeInstanceOf(UnauthorizedException);
        expect(sent['www-authenticate']).toBe('Bearer realm="providers", error="invalid_token"');
        expect(request.user).toBeUndefined();
      }
      const { context, request } = contextFor(
        { authorization: `Bearer ${token}` },
        { cookies: { access_token: tokenOf('8') } },
      );
      await expect(guardWith(usersById).canActivate(context)).resolves.toBe(true);
      expect(request.user).toEqual(alice);
    });

    it('asks a cookie-authenticated unsafe request for the CSRF token of its own session', async () => {
      const cookie = tokenOf('8', 'session-1');
      const withCsrf = (value: string) => ({ 'x-csrf-token': value });
      const cookies = { access_token: cookie, csrftoken: csrf.issue('session-1') };

      const missing = contextFor({}, { cookies, method: 'POST' });
      await expect(guardWith(usersById).canActivate(missing.context)).rejects.toBeInstanceOf(ForbiddenException);
      const otherSession = csrf.issue('session-2');
      const stolen = contextFor(withCsrf(otherSession), {
        cookies: { ...cookies, csrftoken: otherSession },
        method: 'POST',
      });
      await expect(guardWith(usersById).canActivate(stolen.context)).rejects.toBeInstanceOf(ForbiddenException);

      const matching = contextFor(withCsrf(cookies.csrftoken), { cookies, method: 'POST' });
      await expect(guardWith(usersById).canActivate(matching.context)).resolves.toBe(true);
      const safe = contextFor({}, { cookies: { access_token: cookie }, method: 'GET' });
      await expect(guardWith(usersById).canActivate(safe.context)).resolves.toBe(true);
      const bearer = contextFor({ authorization: `Bearer ${token}` }, { method: 'POST' });
      await expect(guardWith(usersById).canActivate(bearer.context)).resolves.toBe(true);
    });
  });

  describe('signed-out tokens', () => {
    const signedIn = presentedOf(token);
    const refused = async (revocations: RevocationRows) => {
      const { context, request, sent } = contextFor({ authorization: `Bearer ${token}` });
      const outcome = await guardWith(async () => rowOf(alice, revocations))
        .canActivate(context)
        .catch((err: unknown) => err);
      if (outcome === true) return false;
      expect(outcome).toBeInstanceOf(UnauthorizedException);
      expect(sent['www-authenticate']).toBe('Bearer realm="providers", error="invalid_token"');
      expect(request.user).toBeUndefined();
      return true;
    };
    const cutoffAt = (second: number) => new Date(second * 1000);

    it('refuses the token by its jti, or by a cutoff in or after the second it was issued', async () => {
      await expect(refused({ revokedJtis: ['other', signedIn.jti], tokensValidAfter: null })).resolves.toBe(true);
      await expect(refused({ revokedJtis: [], tokensValidAfter: cutoffAt(signedIn.issuedAt) })).resolves.toBe(true);
      await expect(refused({ revokedJtis: [], tokensValidAfter: cutoffAt(signedIn.issuedAt + 1) })).resolves.toBe(true);
    });

    it('lets it through when only other tokens, or tokens issued before it, were signed out', async () => {
      await expect(refused({ revokedJtis: ['other'], tokensValidAfter: null })).resolves.toBe(false);
      await expect(
        refused({ revokedJtis: [], tokensValidAfter: new Date(signedIn.issuedAt * 1000 - 1) }),
      ).resolves.toBe(false);
    });

    it('never holds a credential that cannot be signed out (no iat and exp) against sign-outs', async () => {
      const list = [fakeAuthenticator('issuer', 'credential', 7, [])];
      const everything: RevocationRows = { revokedJtis: ['issuer-1'], tokensValidAfter: new Date(Date.now() + 60_000) };
      const { context } = contextFor({});
      await expect(guardWith(async () => rowOf(alice, everything), list).canActivate(context)).resolves.toBe(true);
    });

    it('presentedToken (POST /auth/logout): the bearer or cookie token verified, or null', async () => {
      const guard = guardWith(usersById);
      const cookie = tokenOf('8', 'session-1');
      const presented = async (headers: Record<string, string>, cookies: Record<string, string> = {}) => {
        const http = contextFor(headers, { cookies }).context.switchToHttp();
        return guard.presentedToken(http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
      };
      await expect(presented({ authorization: `Bearer ${token}` })).resolves.toEqual(presentedOf(token));
      await expect(presented({}, { access_token: cookie })).resolves.toEqual(presentedOf(cookie));
      const forged = jwt.sign({}, 'another-secret-another-secret-another', { subject: '7', expiresIn: 60, jwtid: 'x' });
      await expect(presented({ authorization: `Bearer ${forged}` })).resolves.toBeNull();
      await expect(presented({})).resolves.toBeNull();
    });
  });

  it('registers no strategy in passport’s process-wide registry (each application verifies with its own key)', () => {
    guardWith(usersById);
    const registry = passport as unknown as { _strategy(name: string): unknown };
    for (const name of ['jwt', 'bearer-jwt', 'cookie-jwt']) expect(registry._strategy(name)).toBeUndefined();
  });

  describe('any list of authenticators', () => {
    it('asks them in order, and the first one presented something verifies it', async () => {
      const verified: string[] = [];
      const list = [
        fakeAuthenticator('api-key', 'nothing', 7, verified),
        fakeAuthenticator('issuer', 'credential', 8, verified),
        fakeAuthenticator('other', 'credential', 7, verified),
      ];
      const { context, request } = contextFor({});
      await expect(guardWith(usersById, list).canActivate(context)).resolves.toBe(true);
      expect(request.user).toEqual(bob);
      expect(verified).toEqual(['issuer']);
    });

    it('refuses a malformed credential unverified, without asking the authenticators after it', async () => {
      const verified: string[] = [];
      const list = [
        fakeAuthenticator('api-key', 'malformed', 7, verified),
        fakeAuthenticator('issuer', 'credential', 8, verified),
      ];
      const { context, sent } = contextFor({});
      await expect(guardWith(usersById, list).canActivate(context)).rejects.toBeInstanceOf(UnauthorizedException);
      expect(sent['www-authenticate']).toBe('Bearer realm="providers", error="invalid_token"');
      expect(verified).toEqual([]);
    });

    it('loads the user a verified credential names, and refuses one that is gone', async () => {
      const verified: string[] = [];
      const { context } = contextFor({});
      await expect(
        guardWith(usersById, [fakeAuthenticator('issuer', 'credential', 99, verified)]).canActivate(context),
      ).rejects.toBeInstanceOf(UnauthorizedException);
      expect(verified).toEqual(['issuer']);
    });
  });
});
