import { randomBytes } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { JWT_SECRET } from './servers.mjs';

/**
 * A token for user `id`, signed with the benchmark's secret as the service signs them (HS256,
 * sub, iss, aud, iat, exp, a fresh jti): for measurements over thousands of users, where a
 * sign-in each through /auth/login would hash thousands of passwords for nothing they need.
 */
export function signedToken(id) {
  return jwt.sign({}, JWT_SECRET, {
    algorithm: 'HS256',
    subject: String(id),
    issuer: 'providers-service',
    audience: 'providers-service',
    expiresIn: 6 * 3600,
    jwtid: randomBytes(16).toString('base64url'),
  });
}

/**
 * Signs each user in through POST /auth/login with the generated password (`pw-<username>`),
 * two at a time: the service checks passwords two at a time anyway, and the throttle counts
 * only failures, so honest sign-ins are never refused. Returns Map username -> token.
 */
export async function signIn(baseUrl, usernames) {
  const tokens = new Map();
  const queue = [...usernames];
  const worker = async () => {
    for (let username = queue.shift(); username !== undefined; username = queue.shift()) {
      const response = await fetch(`${baseUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: `pw-${username}` }),
      });
      const body = await response.json().catch(() => ({}));
      if (response.status !== 200 || typeof body.access_token !== 'string') {
        throw new Error(`sign-in of ${username} failed: ${response.status} ${JSON.stringify(body)}`);
      }
      tokens.set(username, body.access_token);
    }
  };
  await Promise.all([worker(), worker()]);
  return tokens;
}
