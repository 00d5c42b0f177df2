import {
  applyDecorators,
  Controller,
  Delete,
  Get,
  Header,
  HttpCode,
  MethodNotAllowedException,
  Patch,
  Post,
  Put,
} from '@nestjs/common';
import {
  ApiExtraModels,
  ApiFoundResponse,
  ApiForbiddenResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiResponse,
  ApiExcludeEndpoint,
  ApiTags,
  ApiUnauthorizedResponse,
  getSchemaPath,
} from '@nestjs/swagger';
import type { Readable } from 'node:stream';
import type { AuthUser } from '../users/auth-user.js';
import { Authenticated } from '../auth/authenticated.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import { IgnoreBody } from '../common/body-parsing.js';
import { ProvidersListDto } from './dto/provider-mini.dto.js';
import { ProvidersSmarterListDto } from './dto/provider-smarter.dto.js';
import { ProvidersService } from './providers.service.js';

/**
 * The list the dashboard's "prompt passthrough" screen asks for (Smarter's app calls it its
 * providerApiUrl). It is a POST because the dashboard app sends one (with `Content-Type:
 * application/json` and no body); the body is never read. Trailing slash or not, both paths
 * answer (Fastify's ignoreTrailingSlash). Its representation is the process's
 * PROVIDERS_LIST_FORMAT.
 */
@ApiTags('providers')
@ApiExtraModels(ProvidersListDto, ProvidersSmarterListDto)
@Authenticated()
@Controller('dashboard/passthrough/api/providers')
export class ProvidersController {
  constructor(private readonly providers: ProvidersService) {}

  @Post()
  @HttpCode(200)
  @IgnoreBody()
  @ApiOperation({
    summary: 'The LLM providers the signed-in user may read',
    description:
      'No request body is needed (any body is ignored; over 64 KiB is 413). Ordered by id. ' +
      'The representation is the service’s PROVIDERS_LIST_FORMAT setting: `mini` (the default), ' +
      '`{ id, name, base_url }`; or `smarter`, the camelCase record Smarter’s dashboard app ' +
      '(@smarter/prompt-passthrough) reads. A cookie-authenticated call from a page of this ' +
      'origin or of an allowed one needs no CSRF header (Fetch Metadata); one whose browser ' +
      'sends neither Sec-Fetch-Site nor Origin must send the X-CSRF-Token (or X-CSRFToken) header.',
  })
  @ApiOkResponse({
    description:
      'Each readable provider exactly once, by id ascending, in the format the service is set to: ' +
      'ProvidersListDto (PROVIDERS_LIST_FORMAT=mini) or ProvidersSmarterListDto (PROVIDERS_LIST_FORMAT=smarter)',
    schema: { oneOf: [{ $ref: getSchemaPath(ProvidersListDto) }, { $ref: getSchemaPath(ProvidersSmarterListDto) }] },
  })
  @ApiUnauthorizedResponse({ description: 'No valid credentials (JSON clients)' })
  @ApiFoundResponse({ description: 'No valid credentials and the client prefers HTML: redirect to /login/?next=…' })
  @ApiForbiddenResponse({
    description:
      'Cookie authentication from another origin’s page (Sec-Fetch-Site or Origin), or, from a client that sends neither, without a matching CSRF header',
  })
  @ApiPayloadTooLargeResponse({ description: 'Body over 64 KiB' })
  @ApiResponse({ status: 405, description: 'GET, PUT, PATCH or DELETE on this path (signed in): `Allow: POST`' })
  // The body is already JSON (possibly straight from the cache): sent as is, not re-serialized.
  @Header('content-type', 'application/json; charset=utf-8')
  list(@CurrentUser() user: AuthUser): Promise<Buffer | Readable> {
    return this.providers.listReadable(user);
  }

  // Other methods: 405 with `Allow: POST`, after authentication (anonymous callers learn
  // nothing). Kept out of Swagger, where they would look like operations to try.
  @NotAllowed(Get)
  get(): never {
    throw methodNotAllowed();
  }

  @NotAllowed(Put)
  put(): never {
    throw methodNotAllowed();
  }

  @NotAllowed(Patch)
  patch(): never {
    throw methodNotAllowed();
  }

  @NotAllowed(Delete)
  delete(): never {
    throw methodNotAllowed();
  }
}

/**
 * A method this path does not serve. Nest maps one method per handler, hence a handler each;
 * the `Allow` header is set before the handler runs, and the error filter keeps it.
 */
function NotAllowed(method: (path?: string) => MethodDecorator): MethodDecorator {
  return applyDecorators(method(), IgnoreBody(), ApiExcludeEndpoint(), Header('allow', 'POST'));
}

function methodNotAllowed(): MethodNotAllowedException {
  return new MethodNotAllowedException('Only POST is allowed on this path');
}
