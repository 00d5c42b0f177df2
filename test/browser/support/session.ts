import jwt from 'jsonwebtoken';
import type { BrowserContext } from 'playwright-core';
import { TEST_JWT_SECRET } from '../../support/test-app.js';

/**
 * Replaces the browser's access cookie with the same session's token re-signed as if it had
 * been issued two hours ago: the only thing wrong with it is that it has expired.
 */
export async function expireSession(context: BrowserContext, origin: string): Promise<void> {
  const [access] = (await context.cookies(origin)).filter((c) => c.name === 'access_token');
  const claims = jwt.decode(access.value) as jwt.JwtPayload;
  const now = Math.floor(Date.now() / 1000);
  const expired = jwt.sign({ ...claims, iat: now - 7200, exp: now - 3600 }, TEST_JWT_SECRET, { algorithm: 'HS256' });
  await context.addCookies([{ ...access, value: expired }]);
}
