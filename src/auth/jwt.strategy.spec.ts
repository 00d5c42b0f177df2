import { loadConfig } from '../config/app-config.js';
import { JwtStrategy, parseUserId } from './jwt.strategy.js';

const SECRET = 'unit-test-secret-that-is-long-enough-0123456789';

describe('parseUserId (the token subject)', () => {
  it.each([
    ['1', 1],
    ['2147483647', 2147483647],
  ])('%j → %d', (sub, id) => {
    expect(parseUserId(sub)).toBe(id);
  });

  it.each(['', '0', '01', '-1', '1e3', '1.0', ' 1', 'abc', '2147483648', '99999999999999999999', 1, null, undefined])(
    'refuses %j',
    (sub) => {
      expect(parseUserId(sub)).toBeNull();
    },
  );
});

describe('JwtStrategy claims (after jsonwebtoken verified the signature)', () => {
  const config = loadConfig({ NODE_ENV: 'test', JWT_SECRET: SECRET });
  const strategy = new JwtStrategy('bearer-jwt', () => null, config, SECRET);
  const now = Math.floor(Date.now() / 1000);
  const good = { sub: '7', jti: 'j1', iat: now, exp: now + 60 };

  it('answers the user id, the token id and times, and which authenticator verified it, without looking the user up', () => {
    expect(strategy.validate(good)).toEqual({
      source: 'bearer-jwt',
      userId: 7,
      credentialId: 'j1',
      issuedAt: now,
      expiresAt: now + 60,
    });
  });

  it.each([
    ['no exp', { ...good, exp: undefined }],
    ['no iat', { ...good, iat: undefined }],
    ['a string exp', { ...good, exp: String(now + 60) }],
    ['a string iat', { ...good, iat: String(now) }],
    ['iat in the future', { ...good, iat: now + 3600 }],
    ['no jti', { ...good, jti: undefined }],
    ['an empty jti', { ...good, jti: '' }],
    ['an overlong jti', { ...good, jti: 'j'.repeat(65) }],
    ['a numeric sub', { ...good, sub: 7 }],
  ])('refuses a token with %s', (_what, payload) => {
    expect(strategy.validate(payload)).toBe(false);
  });
});
