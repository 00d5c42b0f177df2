// Issue 16's "bare cache-hit server": node:http, the baseline's HS256 check with node:crypto
// (baseline/jwt.mjs: alg pinned, signature in constant time, exp, iat, nbf, iss, aud, jti,
// sub), and each sampled user's answer already in a Map. No framework, no query per request:
// the fastest a cached answer can be served on this machine.
import http from 'node:http';
import { makeVerifier } from '../baseline/jwt.mjs';
import { preloadAnswers, settingsFromEnv } from './preload.mjs';

const settings = settingsFromEnv();
const verify = makeVerifier(settings);
const answers = await preloadAnswers(settings);
const LIST_PATH = /^\/dashboard\/passthrough\/api\/providers\/?$/;
const BEARER = /^Bearer +(\S+)$/i;
const JSON_TYPE = 'application/json; charset=utf-8';

const server = http.createServer((req, res) => {
  // The body is never read, but drained so that keep-alive works.
  req.resume();
  const path = req.url.split('?')[0];
  if (req.method === 'GET' && path === '/readyz') return send(res, 200, Buffer.from('{"status":"ok"}'));
  if (req.method !== 'POST' || !LIST_PATH.test(path)) return send(res, 404, Buffer.from('{"statusCode":404}'));
  const token = BEARER.exec(req.headers.authorization ?? '')?.[1];
  const userId = token ? verify(token) : null;
  const answer = userId === null ? undefined : answers.get(userId);
  // A user whose answer was not preloaded is refused, never computed: this server has no query.
  if (answer === undefined) return send(res, 401, Buffer.from('{"statusCode":401}'));
  send(res, 200, answer);
});

function send(res, status, body) {
  res.writeHead(status, { 'content-type': JSON_TYPE, 'content-length': body.length });
  res.end(body);
}

server.listen(settings.port, '127.0.0.1');
process.on('SIGTERM', () => server.close(() => process.exit(0)));
