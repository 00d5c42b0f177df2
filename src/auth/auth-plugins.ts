import fastifyCookie from '@fastify/cookie';
import fastifyRateLimit from '@fastify/rate-limit';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { AppConfig } from '../config/app-config.js';

/** Request headers a cross-origin page may send: ours, and those the Smarter dashboard app adds to every call. */
const CORS_ALLOWED_HEADERS = [
  'Content-Type',
  'Authorization',
  'X-CSRF-Token',
  'X-CSRFToken',
  'X-Smarter-Client',
  'X-Smarter-ClientVersion',
  'X-Smarter-ClientType',
  'X-Smarter-RequestId',
  'X-Smarter-Capabilities',
];

/**
 * The Fastify plugins authentication relies on, registered before the routes: cookies (the
 * browser session), the rate-limit store (sign-in throttling; no route is limited by it
 * globally) and CORS.
 */
export async function registerAuthPlugins(app: NestFastifyApplication, config: AppConfig): Promise<void> {
  await app.register(fastifyCookie);
  // A large LRU, so that someone cycling through made-up usernames cannot evict the count of a real one.
  await app.register(fastifyRateLimit, { global: false, cache: 50_000 });
  app.enableCors({
    // Empty list: same origin only (no CORS headers at all). `*` is refused in production by
    // loadConfig; in development it reflects any origin, since `*` itself cannot carry credentials.
    origin: config.CORS_ORIGINS.includes('*') ? true : config.CORS_ORIGINS.length > 0 ? config.CORS_ORIGINS : false,
    credentials: true,
    methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
    allowedHeaders: CORS_ALLOWED_HEADERS,
    maxAge: 600,
  });
}
