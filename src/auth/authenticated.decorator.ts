import { applyDecorators, SetMetadata } from '@nestjs/common';
import { ApiBearerAuth, ApiCookieAuth, ApiForbiddenResponse, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { BEARER_SCHEME, COOKIE_SCHEME } from '../common/swagger.js';

export const IS_AUTHENTICATED = 'isAuthenticated';

/**
 * Marks a controller or route as needing a signed-in user, and documents it: both security
 * schemes and the 401/403 answers. The global guard authenticates every route that is not
 * @Public() whether or not this is present; this decorator makes the requirement visible in
 * the code and in Swagger (the route inventory test checks that guarded routes carry it).
 */
export function Authenticated(): ClassDecorator & MethodDecorator {
  return applyDecorators(
    SetMetadata(IS_AUTHENTICATED, true),
    ApiBearerAuth(BEARER_SCHEME),
    ApiCookieAuth(COOKIE_SCHEME),
    ApiUnauthorizedResponse({
      description: 'No valid credentials (JSON clients; a browser navigation is redirected to /login/ instead)',
    }),
    ApiForbiddenResponse({
      description: 'Cookie authentication on an unsafe method without a matching X-CSRF-Token header',
    }),
  );
}
