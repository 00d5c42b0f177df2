import { createHmac, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jwt from 'jsonwebtoken';
import { DataSource } from 'typeorm';
import { loginAs } from './support/auth.js';
import { Factories } from './support/factories.js';
import { startTestApp, TEST_JWT_SECRET, type TestApp } from './support/test-app.js';
import { createTestDatabase, type TestDatabase } from './support/test-database.js';
import { rawRequest } from './support/raw-http.js';
import { captureProcessOutput } from './support/process-output.js';

const ISS = 'providers-service';
const AUD = 'providers-service';
const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
const hs256 = (input: string, key = TEST_JWT_SECRET) => createHmac('sha256', key).update(input).digest('base64url');

/** A token assembled by hand, so that any header and claims can be tried. */
function forge(header: object, claims: object, sign: (input: string) => string = hs256): string {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${sign(input)}`;
}

describe('hostile tokens', () => {
  let t: TestApp;
  let db: DataSource;
  let aliceId: number;
  let goodClaims: () => Record<string, unknown>;
  let captured: ReturnType<typeof captureProcessOutput> | undefined;

  beforeAll(async () => {
    // The most verbose logging, so that the test below sees everything that might be logged.
    t = await startTestApp({ LOG_LEVEL: 'verbose' });
    db = t.app.get(DataSource);
    aliceId = await new Factories(db).user({ username: 'alice' });
    goodClaims = () => {
      const now = Math.floor(Date.now() / 1000);
      return { sub: String(aliceId), iss: ISS, aud: AUD, iat: now, exp: now + 600, jti: 'hostile-test' };
    };
    captured = captureProcessOutput();
  });
  afterAll(async () => {
    captured?.restore();
    await t?.close();
  });

  const me = (authorization: string) => t.inject({ method: 'GET', url: '/auth/me', headers: { authorization } });

  it('accepts the well-formed token that the forgeries below are variations of', async () => {
    const res = await me(`Bearer ${forge({ alg: 'HS256', typ: 'JWT' }, goodClaims())}`);
    expect(res.statusCode).toBe(200);
  });

  const cases: [string, () => string | Promise<string>][] = [
    ['alg none, no signature', () => `${b64({ alg: 'none', typ: 'JWT' })}.${b64(goodClaims())}.`],
    ['alg none with a signature', () => forge({ alg: 'none' }, goodClaims())],
    ['alg NONE', () => forge({ alg: 'NONE' }, goodClaims(), () => '')],
    [
      'HS256 signed with another key',
      () => forge({ alg: 'HS256' }, goodClaims(), (i) => hs256(i, 'another-secret-of-the-same-length-0123456789abcd')),
    ],
    ['HS512 signed with the right key', () => jwt.sign(goodClaims(), TEST_JWT_SECRET, { algorithm: 'HS512' })],
    ['an RS256 header over an HMAC made with the secret', () => forge({ alg: 'RS256' }, goodClaims())],
    ['an ES256 header over an HMAC made with the secret', () => forge({ alg: 'ES256' }, goodClaims())],
    [
      'RS256 really signed (with a key of the attacker)',
      () =>
        jwt.sign(goodClaims(), generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey, { algorithm: 'RS256' }),
    ],
    [
      'ES256 really signed',
      () =>
        jwt.sign(goodClaims(), generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, { algorithm: 'ES256' }),
    ],
    [
      'a valid token with a changed payload',
      () => {
        const [header, , signature] = forge({ alg: 'HS256' }, goodClaims()).split('.');
        return `${header}.${b64({ ...goodClaims(), sub: '1', is_superuser: true })}.${signature}`;
      },
    ],
    ['exp in the past', () => forge({ alg: 'HS256' }, { ...goodClaims(), exp: Math.floor(Date.now() / 1000) - 60 })],
    ['no exp', () => forge({ alg: 'HS256' }, { ...goodClaims(), exp: undefined })],
    ['exp not a number', () => forge({ alg: 'HS256' }, { ...goodClaims(), exp: 'tomorrow' })],
    ['no iat', () => forge({ alg: 'HS256' }, { ...goodClaims(), iat: undefined })],
    [
      'iat in the future',
      () => forge({ alg: 'HS256' }, { ...goodClaims(), iat: Math.floor(Date.now() / 1000) + 3600 }),
    ],
    [
      'nbf in the future',
      () => forge({ alg: 'HS256' }, { ...goodClaims(), nbf: Math.floor(Date.now() / 1000) + 3600 }),
    ],
    ['a wrong issuer', () => forge({ alg: 'HS256' }, { ...goodClaims(), iss: 'someone-else' })],
    ['no issuer', () => forge({ alg: 'HS256' }, { ...goodClaims(), iss: undefined })],
    ['a wrong audience', () => forge({ alg: 'HS256' }, { ...goodClaims(), aud: 'another-service' })],
    ['no jti', () => forge({ alg: 'HS256' }, { ...goodClaims(), jti: undefined })],
    ['sub not a number', () => forge({ alg: 'HS256' }, { ...goodClaims(), sub: 'alice' })],
    ['sub as a JSON number', () => forge({ alg: 'HS256' }, { ...goodClaims(), sub: aliceId })],
    ['sub huge', () => forge({ alg: 'HS256' }, { ...goodClaims(), sub: '99999999999999999999999' })],
    ['sub just above the integer range', () => forge({ alg: 'HS256' }, { ...goodClaims(), sub: '2147483648' })],
    ['sub with SQL', () => forge({ alg: 'HS256' }, { ...goodClaims(), sub: '1 OR 1=1; DROP TABLE users --' })],
    ['sub of a user that does not exist', () => forge({ alg: 'HS256' }, { ...goodClaims(), sub: '2147483647' })],
    [
      'sub of a deleted user',
      async () => {
        const id = await new Factories(db).user({ username: 'deleted-soon' });
        const token = (await loginAs(t, 'deleted-soon')).token;
        await db.query('DELETE FROM users WHERE id = $1', [id]);
        return token;
      },
    ],
    [
      'a payload that is not JSON',
      () => `${b64({ alg: 'HS256' })}.${b64('not json')}.${hs256(`${b64({ alg: 'HS256' })}.${b64('not json')}`)}`,
    ],
    ['a payload that is a JSON string', () => forge({ alg: 'HS256' }, 'just a string' as unknown as object)],
    ['garbage', () => 'not-a-token'],
    ['two dots only', () => '..'],
    ['four segments', () => `${forge({ alg: 'HS256' }, goodClaims())}.extra`],
    ['a 64 KiB token', () => `${b64({ alg: 'HS256' })}.${'A'.repeat(64 * 1024)}.${'B'.repeat(43)}`],
  ];

  it.each(cases)('401 invalid_token for %s', async (_what, make) => {
    const res = await me(`Bearer ${await make()}`);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toEqual({ statusCode: 401, error: 'Unauthorized', message: 'Invalid or expired token' });
    expect(res.headers['www-authenticate']).toBe('Bearer realm="providers", error="invalid_token"');
  });

  it.each([
    ['Bearer with nothing', 'Bearer'],
    ['Bearer and a space', 'Bearer '],
    ['an empty header', ''],
    ['two tokens', () => `Bearer ${forge({ alg: 'HS256' }, goodClaims())} ${forge({ alg: 'HS256' }, goodClaims())}`],
    ['two Bearer words', () => `Bearer Bearer ${forge({ alg: 'HS256' }, goodClaims())}`],
    ['a comma-joined pair', () => `Bearer ${forge({ alg: 'HS256' }, goodClaims())}, Bearer x.y.z`],
    ['another scheme', () => `Basic ${Buffer.from('alice:pw-alice').toString('base64')}`],
    ['the token without a scheme', () => forge({ alg: 'HS256' }, goodClaims())],
    ['non-ASCII characters', () => `Bearer ${forge({ alg: 'HS256' }, goodClaims())}é`],
  ] as [string, string | (() => string)][])(
    '401 invalid_token for an Authorization header with %s',
    async (_what, value) => {
      const res = await me(typeof value === 'function' ? value() : value);
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer realm="providers", error="invalid_token"');
    },
  );

  it('401 for forged or garbage access cookies too', async () => {
    for (const cookie of [
      `access_token=${forge({ alg: 'none' }, goodClaims(), () => '')}`,
      'access_token=%00%ff',
      `access_token=${'x'.repeat(5000)}`,
    ]) {
      const res = await t.inject({ method: 'GET', url: '/auth/me', headers: { cookie } });
      expect(res.statusCode).toBe(401);
    }
  });

  it('never logs a token, whatever was refused', () => {
    const logged = captured!.output();
    expect(logged).toMatch(/Token rejected/); // the debug log is on, and did see the refusals
    expect(logged).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}/); // the start of any base64url JSON header
    expect(logged).not.toContain('A'.repeat(100));
    expect(logged).not.toMatch(/\b500\b|Internal server error/);
  });

  describe('over a real socket', () => {
    let port: number;
    beforeAll(async () => {
      await t.app.listen({ port: 0, host: '127.0.0.1' });
      port = (t.app.getHttpServer().address() as { port: number }).port;
    });

    /**
     * Sends raw bytes, so that the header can hold what an HTTP client library would refuse to
     * send; the status of the answer, once the server has closed the connection.
     */
    const raw = async (authorization: Buffer): Promise<number> => {
      const { text } = await rawRequest(port, (socket) =>
        socket.end(
          Buffer.concat([
            Buffer.from('GET /auth/me HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nAuthorization: '),
            authorization,
            Buffer.from('\r\n\r\n'),
          ]),
        ),
      );
      return Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1]);
    };

    it('431 for a 64 KiB Authorization header, refused by the HTTP parser before any code runs', async () => {
      await expect(raw(Buffer.from(`Bearer ${'A'.repeat(64 * 1024)}`))).resolves.toBe(431);
    });

    it('401 for raw non-ASCII bytes in the header', async () => {
      await expect(raw(Buffer.concat([Buffer.from('Bearer '), Buffer.from([0xc3, 0xa9, 0xff, 0x80])]))).resolves.toBe(
        401,
      );
    });
  });
});

describe('the development JWT secret (no JWT_SECRET set)', () => {
  let db: TestDatabase;
  let dataDir: string;
  beforeAll(async () => {
    db = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'jwt-dev-'));
  });
  afterAll(async () => {
    await db?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('is generated once and kept, so that a token survives a restart', async () => {
    const env = { NODE_ENV: 'development', JWT_SECRET: '', DATA_DIR: dataDir };
    const first = await startTestApp(env, db);
    let token: string;
    try {
      await new Factories(first.app.get(DataSource)).user({ username: 'frank' });
      token = (await loginAs(first, 'frank')).token;
      // Not signed with the test suite's usual secret.
      expect(() => jwt.verify(token, TEST_JWT_SECRET)).toThrow();
    } finally {
      await first.close();
    }
    const second = await startTestApp(env, db);
    try {
      const res = await second.inject({
        method: 'GET',
        url: '/auth/me',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(200);
    } finally {
      await second.close();
    }
  });
});
