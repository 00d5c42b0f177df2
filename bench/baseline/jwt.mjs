import { createHmac, createSecretKey, timingSafeEqual } from 'node:crypto';

/** What the service tolerates between clocks (src/auth/jwt.strategy.ts). */
const CLOCK_TOLERANCE_SECONDS = 5;
const MAX_TOKEN_LENGTH = 4096;
const SEGMENT = /^[A-Za-z0-9_-]+$/;
const SUB = /^[1-9][0-9]{0,9}$/;

/**
 * A verifier for the service's access tokens with node:crypto alone, checking what the
 * service checks: HS256 and nothing else, the signature (compared in constant time), exp and
 * iat present and in range, nbf if present, issuer, audience, a non-empty jti and a decimal
 * user id in `sub`. Returns the user id, or null for any token the service would refuse.
 */
export function makeVerifier({ secret, issuer, audience }) {
  const key = createSecretKey(Buffer.from(secret));
  return function verify(token) {
    if (token.length > MAX_TOKEN_LENGTH) return null;
    const parts = token.split('.');
    if (parts.length !== 3 || !parts.every((p) => SEGMENT.test(p))) return null;
    const [headerPart, payloadPart, signaturePart] = parts;
    const header = parseJson(headerPart);
    // The algorithm is fixed here, never taken from the token: `none` and RS256 fail alike.
    if (header?.alg !== 'HS256') return null;
    const expected = createHmac('sha256', key).update(`${headerPart}.${payloadPart}`).digest();
    const given = Buffer.from(signaturePart, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;

    const claims = parseJson(payloadPart);
    if (!claims || typeof claims !== 'object') return null;
    const now = Math.floor(Date.now() / 1000);
    if (typeof claims.exp !== 'number' || now >= claims.exp + CLOCK_TOLERANCE_SECONDS) return null;
    if (typeof claims.iat !== 'number' || claims.iat > now + CLOCK_TOLERANCE_SECONDS) return null;
    if (claims.nbf !== undefined && (typeof claims.nbf !== 'number' || claims.nbf > now + CLOCK_TOLERANCE_SECONDS))
      return null;
    if (claims.iss !== issuer) return null;
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!audiences.includes(audience)) return null;
    if (typeof claims.jti !== 'string' || claims.jti.length === 0 || claims.jti.length > 64) return null;
    if (typeof claims.sub !== 'string' || !SUB.test(claims.sub) || Number(claims.sub) > 2_147_483_647) return null;
    return Number(claims.sub);
  };
}

function parseJson(segment) {
  try {
    return JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    return null;
  }
}
