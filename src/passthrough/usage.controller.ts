import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../auth/authenticated.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import type { AuthUser } from '../users/auth-user.js';
import { UsageQueryDto, UsageReportDto } from './usage.dto.js';
import { UsageService } from './usage.service.js';

@ApiTags('prompts')
@Authenticated()
@Controller('api/v1/prompts/usage')
export class UsageController {
  constructor(private readonly usage: UsageService) {}

  @Get()
  @ApiOperation({
    summary: 'Passthrough usage: totals per provider and per day, and the latest calls',
    description: "Users see their own calls, staff those of their accounts' users, superusers all.",
  })
  @ApiOkResponse({ type: UsageReportDto })
  report(@CurrentUser() user: AuthUser, @Query() query: UsageQueryDto): Promise<UsageReportDto> {
    return this.usage.report(user, query);
  }
}
