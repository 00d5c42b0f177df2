import { Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiConflictResponse, ApiNotFoundResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../../auth/authenticated.decorator.js';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import { IgnoreBody } from '../../common/body-parsing.js';
import type { AuthUser } from '../../users/auth-user.js';
import { ProviderIdPipe } from './provider-id.pipe.js';
import { ProviderStatusDto } from './provider-status.dto.js';
import { LifecycleService } from './lifecycle.service.js';

const NOT_FOUND = 'No such provider, or one the caller may not read';
const MANAGE = 'A provider the caller may read but not manage (provider.manage) is 403 `action_forbidden`.';
const MODERATE =
  'Superusers only (provider.moderate): anyone else who may read the provider gets 403 `action_forbidden`.';

/** State changes of a provider; each answers its lifecycle fields. No body is read. */
@ApiTags('provider lifecycle')
@Authenticated()
@Controller('api/v1/providers/:id')
export class LifecycleController {
  constructor(private readonly lifecycle: LifecycleService) {}

  @Post('activate')
  @HttpCode(200)
  @IgnoreBody()
  @ApiOperation({
    summary: 'Activate a provider (provider.manage)',
    description: `Needs a passed verification and accepted terms, and a provider neither suspended nor deprecated. ${MANAGE}`,
  })
  @ApiOkResponse({ type: ProviderStatusDto })
  @ApiConflictResponse({
    description:
      '`provider_not_activatable`, with `reasons`: every one of not_verified, terms_not_accepted, suspended, deprecated that applies',
  })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  activate(@CurrentUser() user: AuthUser, @Param('id', ProviderIdPipe) id: number): Promise<ProviderStatusDto> {
    return this.lifecycle.activate(user, id);
  }

  @Post('deactivate')
  @HttpCode(200)
  @IgnoreBody()
  @ApiOperation({ summary: 'Deactivate a provider (provider.manage)', description: MANAGE })
  @ApiOkResponse({ type: ProviderStatusDto })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  deactivate(@CurrentUser() user: AuthUser, @Param('id', ProviderIdPipe) id: number): Promise<ProviderStatusDto> {
    return this.lifecycle.deactivate(user, id);
  }

  @Post('suspend')
  @HttpCode(200)
  @IgnoreBody()
  @ApiOperation({ summary: 'Suspend a provider (superusers); also deactivates it', description: MODERATE })
  @ApiOkResponse({ type: ProviderStatusDto })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  suspend(@CurrentUser() user: AuthUser, @Param('id', ProviderIdPipe) id: number): Promise<ProviderStatusDto> {
    return this.lifecycle.suspend(user, id);
  }

  @Post('unsuspend')
  @HttpCode(200)
  @IgnoreBody()
  @ApiOperation({
    summary: 'Lift a suspension (superusers)',
    description: `The status goes back to verified or unverified (what verification last said); the provider stays inactive until activated. ${MODERATE}`,
  })
  @ApiOkResponse({ type: ProviderStatusDto })
  @ApiConflictResponse({ description: '`provider_status_conflict`: the provider is not suspended' })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  unsuspend(@CurrentUser() user: AuthUser, @Param('id', ProviderIdPipe) id: number): Promise<ProviderStatusDto> {
    return this.lifecycle.unsuspend(user, id);
  }

  @Post('deprecate')
  @HttpCode(200)
  @IgnoreBody()
  @ApiOperation({ summary: 'Deprecate a provider (superusers); also deactivates it', description: MODERATE })
  @ApiOkResponse({ type: ProviderStatusDto })
  @ApiNotFoundResponse({ description: NOT_FOUND })
  deprecate(@CurrentUser() user: AuthUser, @Param('id', ProviderIdPipe) id: number): Promise<ProviderStatusDto> {
    return this.lifecycle.deprecate(user, id);
  }
}
