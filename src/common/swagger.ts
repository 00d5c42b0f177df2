import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { DOCS_PATH } from './security-headers.js';

export const BEARER_SCHEME = 'bearer';
export const COOKIE_SCHEME = 'cookie';

/** Swagger UI at /docs, JSON at /docs-json; both security schemes so a developer can try every route. */
export function setupSwagger(app: NestFastifyApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('providers-service')
      .setDescription(
        'Which LLM providers a signed-in user may use. Sign in with POST /auth/login, then paste ' +
          'the access_token into "Authorize" (bearer). Browsers use the access_token cookie plus an ' +
          'X-CSRF-Token header on unsafe methods.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, BEARER_SCHEME)
      .addCookieAuth('access_token', { type: 'apiKey', in: 'cookie', name: 'access_token' }, COOKIE_SCHEME)
      .build(),
  );
  SwaggerModule.setup(DOCS_PATH, app, document, { swaggerOptions: { persistAuthorization: true } });
}
