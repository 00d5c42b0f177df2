import { Body, Controller, Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBadRequestResponse,
  ApiConsumes,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiPayloadTooLargeResponse,
  ApiServiceUnavailableResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
  ApiUnauthorizedResponse,
  ApiUnsupportedMediaTypeResponse,
} from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { IgnoreBody } from '../common/body-parsing.js';
import { AppConfig } from '../config/app-config.js';
import { UsersService } from '../users/users.service.js';
import { clearSessionCookies, setSessionCookies } from './auth-cookies.js';
import type { AuthUser } from '../users/auth-user.js';
import { AuthGuard } from './auth.guard.js';
import { AuthService } from './auth.service.js';
import { Authenticated } from './authenticated.decorator.js';
import { CurrentUser } from './current-user.decorator.js';
import { LoginDto } from './dto/login.dto.js';
import { MeDto, toMeDto } from './dto/me.dto.js';
import { TokenResponseDto } from './dto/token-response.dto.js';
import { Public } from './public.decorator.js';
import { TokenRevocations } from './revocation/token-revocations.service.js';
import { SameSiteOnly } from './same-site-only.decorator.js';

/** Sign-in bodies are two short strings; anything bigger is refused before it is read (413). */
export const LOGIN_BODY_LIMIT = 16 * 1024;

export const CROSS_SITE_MESSAGE = 'Cross-site sign-in requests are refused';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(
    private readonly auth: AuthService,
    private readonly users: UsersService,
    private readonly config: AppConfig,
    private readonly guard: AuthGuard,
    private readonly revocations: TokenRevocations,
  ) {}

  @Public()
  @SameSiteOnly(CROSS_SITE_MESSAGE)
  @Post('login')
  @HttpCode(200)
  @RouteConfig({ bodyLimit: LOGIN_BODY_LIMIT })
  @ApiConsumes('application/json', 'application/x-www-form-urlencoded')
  @ApiOperation({
    summary: 'Sign in with a username and password',
    description:
      'Returns an access token for `Authorization: Bearer`, and sets the `access_token` (HttpOnly) and ' +
      '`csrftoken` cookies for browsers. Only failed attempts count towards the throttle.',
  })
  @ApiOkResponse({ type: TokenResponseDto })
  @ApiBadRequestResponse({ description: 'Missing or non-string fields, or malformed JSON' })
  @ApiUnauthorizedResponse({ description: 'Wrong username or password, or inactive user (indistinguishable)' })
  @ApiPayloadTooLargeResponse({ description: 'Body over 16 KiB' })
  @ApiUnsupportedMediaTypeResponse({ description: 'Neither JSON nor a urlencoded form' })
  @ApiTooManyRequestsResponse({ description: 'Too many failed attempts for this username or address; see Retry-After' })
  @ApiServiceUnavailableResponse({ description: 'Too many sign-ins in progress; see Retry-After' })
  async login(
    @Body() body: LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<TokenResponseDto> {
    const session = await this.auth.signIn(request, body.username, body.password);
    setSessionCookies(reply, session, this.config);
    return { access_token: session.token.token, token_type: 'Bearer', expires_in: session.token.expiresIn };
  }

  /**
   * Public so that a browser whose token already expired can still clear its cookies. A valid
   * token presented (bearer or cookie) is revoked, on every instance.
   */
  @Public()
  @SameSiteOnly('Cross-site sign-out requests are refused')
  @Post('logout')
  @HttpCode(204)
  @IgnoreBody()
  @ApiOperation({
    summary: 'Sign out: revokes the token presented (if valid) and clears the access_token and csrftoken cookies',
  })
  @ApiNoContentResponse({ description: 'Token revoked, cookies cleared' })
  @ApiServiceUnavailableResponse({ description: 'The database is unavailable: nothing was revoked' })
  async logout(@Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    const token = await this.guard.presentedToken(request, reply);
    if (token) await this.revocations.revoke(token);
    clearSessionCookies(reply, this.config);
  }

  @Authenticated()
  @Post('logout-all')
  @HttpCode(204)
  @IgnoreBody()
  @ApiOperation({ summary: 'Sign out everywhere: revokes every token of the caller, and clears the cookies' })
  @ApiNoContentResponse({ description: 'Every token issued until now revoked, cookies cleared' })
  async logoutAll(@CurrentUser() user: AuthUser, @Res({ passthrough: true }) reply: FastifyReply): Promise<void> {
    await this.revocations.revokeAll(user.id);
    clearSessionCookies(reply, this.config);
  }

  @Authenticated()
  @Get('me')
  @ApiOperation({ summary: 'The signed-in user' })
  @ApiOkResponse({ type: MeDto })
  async me(@CurrentUser() user: AuthUser): Promise<MeDto> {
    return toMeDto(user, await this.users.accountNumbers(user.id));
  }
}
