import { Controller, Get, Header, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated } from '../auth/authenticated.decorator.js';
import { DashboardPage } from './dashboard-page.js';

/**
 * The providers picker page. Guarded like every other route: an anonymous browser is sent to
 * /login/?next=/dashboard/passthrough/ by the global guard and comes back after signing in.
 * The HTML is never cached (the global onSend hook), since it names the current assets.
 */
@ApiTags('dashboard')
@Authenticated()
@Controller('dashboard/passthrough')
export class DashboardController {
  constructor(private readonly page: DashboardPage) {}

  @Get()
  @ApiOperation({ summary: 'The providers picker page (HTML) for a signed-in browser' })
  @ApiProduces('text/html')
  @Header('content-type', 'text/html; charset=utf-8')
  show(@Res({ passthrough: true }) reply: FastifyReply): string {
    reply.header('content-security-policy', this.page.contentSecurityPolicy());
    return this.page.render();
  }
}
