// The baseline: the least a Node server must do for the providers list, with no framework.
// Per request, like the service: verify the token, load the user (the service does too, on
// every request, since a token outlives a deactivation), run the service's own read query
// (the read scope and the list query imported from the build, so the SQL cannot drift),
// answer the same JSON. Whatever the service spends beyond this is the framework's and the
// service's own overhead.
import http from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { makeVerifier } from './jwt.mjs';

const env = process.env;
const fromDist = (path) => import(pathToFileURL(join(env.SERVICE_DIST, 'src', path)).href);
const { NO_ACCESS, readScope } = await fromDist('permissions/access-scopes.js');
const { miniListQuery } = await fromDist('providers/providers.repository.js');

const verify = makeVerifier({
  secret: env.JWT_SECRET,
  issuer: env.JWT_ISSUER ?? 'providers-service',
  audience: env.JWT_AUDIENCE ?? 'providers-service',
});
// The service's default DB_POOL_SIZE, so both wait for connections alike.
const pool = new pg.Pool({ connectionString: env.DATABASE_URL, max: Number(env.DB_POOL_SIZE ?? 10) });
// The service's own per-request user look-up (src/users/users.service.ts).
const USER_SQL = 'SELECT id, username, email, is_superuser, is_staff, is_active FROM users WHERE id = $1';
const LIST_PATH = /^\/dashboard\/passthrough\/api\/providers\/?$/;
const BEARER = /^Bearer +(\S+)$/i;

const server = http.createServer((req, res) => {
  // The body is never read (the service ignores it too), but drained so keep-alive works.
  req.resume();
  const path = req.url.split('?')[0];
  if (req.method === 'GET' && path === '/readyz') return ready(res);
  if (req.method !== 'POST' || !LIST_PATH.test(path)) return send(res, 404, '{"statusCode":404}');
  const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
  const userId = token ? verify(token) : null;
  if (userId === null) return send(res, 401, '{"statusCode":401}');
  list(userId).then(
    (body) => send(res, body === null ? 401 : 200, body ?? '{"statusCode":401}'),
    () => send(res, 503, '{"statusCode":503}'),
  );
});

async function list(userId) {
  const { rows } = await pool.query(USER_SQL, [userId]);
  const row = rows[0];
  if (!row || !row.is_active) return null;
  const scope = readScope({ id: row.id, isSuperuser: row.is_superuser, isActive: row.is_active });
  const { sql, params } = miniListQuery(scope);
  const providers = scope === NO_ACCESS ? [] : (await pool.query(sql, params)).rows;
  return JSON.stringify({ providers });
}

function ready(res) {
  pool.query('SELECT 1').then(
    () => send(res, 200, '{"status":"ok"}'),
    () => send(res, 503, '{"statusCode":503}'),
  );
}

function send(res, status, body) {
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
  });
  res.end(body);
}

server.listen(Number(env.PORT), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => pool.end().then(() => process.exit(0))));
