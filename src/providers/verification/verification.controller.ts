import { Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import {
  ApiAcceptedResponse,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiTags,
} from '@nestjs/swagger';
import { Authenticated } from '../../auth/authenticated.decorator.js';
import { CurrentUser } from '../../auth/current-user.decorator.js';
import { IgnoreBody } from '../../common/body-parsing.js';
import type { AuthUser } from '../../users/auth-user.js';
import { ProviderIdPipe } from '../lifecycle/provider-id.pipe.js';
import { ProviderStatusDto } from '../lifecycle/provider-status.dto.js';
import { VerificationResultsDto } from './verification-result.dto.js';
import { VerificationService } from './verification.service.js';

const ACCESS =
  'provider.manage: a provider the caller may read but not manage is 403 `action_forbidden`; one they may not read is 404.';

@ApiTags('provider verification')
@Authenticated()
@Controller('api/v1/providers/:id')
export class VerificationController {
  constructor(private readonly verification: VerificationService) {}

  @Post('verify')
  @HttpCode(202)
  @IgnoreBody()
  @ApiOperation({
    summary: 'Verify a provider in the background',
    description:
      'Sets the status to `verifying` and queues the checks (connectivity with the API key, the website, docs, terms and ' +
      'privacy URLs, terms accepted, API key set). All pass: `verified`; any fails: `failed`, inactive. ' +
      `GET …/verifications shows each result. ${ACCESS}`,
  })
  @ApiAcceptedResponse({ type: ProviderStatusDto })
  @ApiConflictResponse({ description: '`provider_status_conflict`: the provider is suspended or deprecated' })
  @ApiNotFoundResponse({ description: 'No such provider, or one the caller may not read' })
  verify(@CurrentUser() user: AuthUser, @Param('id', ProviderIdPipe) id: number): Promise<ProviderStatusDto> {
    return this.verification.request(user, id);
  }

  @Get('verifications')
  @ApiOperation({ summary: 'The latest result of each verification check', description: ACCESS })
  @ApiOkResponse({ type: VerificationResultsDto })
  @ApiNotFoundResponse({ description: 'No such provider, or one the caller may not read' })
  results(@CurrentUser() user: AuthUser, @Param('id', ProviderIdPipe) id: number): Promise<VerificationResultsDto> {
    return this.verification.latestResults(user, id);
  }
}
