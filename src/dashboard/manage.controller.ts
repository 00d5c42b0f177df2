import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated } from '../auth/authenticated.decorator.js';
import { DashboardPage } from './dashboard-page.js';

/**
 * The provider management screens: the list, a provider's page and the new-provider form.
 * One HTML page for the three (the script picks the screen from the path); what a user may
 * see and do there is decided by the API it calls, so the page itself needs only a sign-in.
 */
@ApiTags('dashboard')
@Authenticated()
@Controller('dashboard/providers')
export class ManageController {
  constructor(private readonly page: DashboardPage) {}

  @Get()
  @ApiOperation({ summary: 'The provider management screens (HTML) for a signed-in browser' })
  @ApiProduces('text/html')
  @Header('content-type', 'text/html; charset=utf-8')
  list(@Res({ passthrough: true }) reply: FastifyReply): string {
    return this.html(reply);
  }

  @Get(':screen')
  @ApiOperation({ summary: 'A provider’s management page, or `new` for the new-provider form (HTML)' })
  @ApiProduces('text/html')
  @Header('content-type', 'text/html; charset=utf-8')
  provider(@Res({ passthrough: true }) reply: FastifyReply): string {
    return this.html(reply);
  }

  private html(reply: FastifyReply): string {
    reply.header('content-security-policy', this.page.contentSecurityPolicy());
    return this.page.render('', 'manage');
  }
}
