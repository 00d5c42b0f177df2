import { Controller, Get, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Public } from '../auth/public.decorator.js';
import { DashboardPage, IMMUTABLE } from './dashboard-page.js';

/**
 * The page's script, stylesheet and icon under content-hashed names, cached for a year.
 * Public: they hold no data, and the login page and a page served from another origin load
 * them before anyone is signed in. Served from memory by name (a map lookup, so no path can
 * reach outside the folder) rather than by @fastify/static, because the hashed names exist
 * only in memory: they are computed at start-up.
 */
@ApiExcludeController()
@Public()
@Controller('dashboard/passthrough/assets')
export class DashboardAssetsController {
  constructor(private readonly page: DashboardPage) {}

  @Get(':file')
  // The page may be served by another origin (an allowed CORS origin) that loads these files;
  // helmet's option for this route (security-headers.ts), in place of its same-origin default, 404s included.
  @RouteConfig({ helmet: { crossOriginResourcePolicy: { policy: 'cross-origin' } } })
  asset(@Param('file') file: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): void {
    const asset = this.page.assets.get(file);
    if (!asset) throw new NotFoundException('No such asset (an older version of the page?)');
    reply.header('cache-control', IMMUTABLE).header('etag', asset.etag);
    if (request.headers['if-none-match'] === asset.etag) {
      reply.status(304).send();
      return;
    }
    reply.status(200).header('content-type', asset.contentType).send(asset.body);
  }
}
