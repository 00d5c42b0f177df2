import { Body, Controller, HttpCode, Param, Post, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import {
  ApiBody,
  ApiConflictResponse,
  ApiNotFoundResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPayloadTooLargeResponse,
  ApiResponse,
  ApiTags,
  ApiTooManyRequestsResponse,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Authenticated } from '../auth/authenticated.decorator.js';
import { CurrentUser } from '../auth/current-user.decorator.js';
import type { RouteOverridesConfig } from '../common/route-overrides.js';
import type { AuthUser } from '../users/auth-user.js';
import { MAX_PROMPT_BODY_BYTES } from './chat-request.js';
import { PassthroughService } from './passthrough.service.js';

/**
 * The route's own limits: a 1 MiB body, and no REQUEST_TIMEOUT_MS: a streamed answer may
 * rightly last minutes, and the egress timeouts bound the call instead, EGRESS_TOTAL_TIMEOUT_MS last.
 */
const ROUTE_CONFIG: RouteOverridesConfig = { bodyLimit: MAX_PROMPT_BODY_BYTES, requestTimeoutMs: null };

@ApiTags('prompts')
@Authenticated()
@Controller('api/v1/prompts/passthrough')
export class PassthroughController {
  constructor(private readonly passthrough: PassthroughService) {}

  @Post(':provider')
  @HttpCode(200)
  @RouteConfig(ROUTE_CONFIG)
  @ApiOperation({
    summary: "Send an OpenAI chat-completions request to a provider, with the provider's own key",
    description:
      "The body goes to `POST {base_url}/chat/completions` with only the provider's `Authorization` and " +
      "`Content-Type`; nothing of the caller's travels. A missing `model` becomes the provider's default " +
      'model. With `"stream": true` the answer is `text/event-stream`, relayed chunk by chunk. An upstream ' +
      '2xx or 4xx comes back as is (status and JSON body); a 5xx is 502, a timeout 504, no connection 502. ' +
      'Cookie-authenticated calls must send the X-CSRF-Token header.',
  })
  @ApiParam({ name: 'provider', description: 'The provider\'s id, or its slug (e.g. `local-echo` for "Local echo")' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['messages'],
      properties: {
        model: { type: 'string', description: "Default: the provider's default model" },
        messages: {
          type: 'array',
          items: { type: 'object', properties: { role: { type: 'string' }, content: { type: 'string' } } },
        },
        stream: { type: 'boolean' },
      },
      additionalProperties: true,
      example: { messages: [{ role: 'user', content: 'Hello!' }] },
    },
  })
  @ApiOkResponse({ description: "The upstream's answer: its JSON unchanged, or an event stream" })
  @ApiResponse({ status: 400, description: 'The body is not a chat-completions request (`problems` says why)' })
  @ApiNotFoundResponse({ description: 'No provider the caller may read has this id or slug' })
  @ApiConflictResponse({ description: 'Inactive provider, provider without a key, or a slug naming several (`ids`)' })
  @ApiPayloadTooLargeResponse({ description: 'Body over 1 MiB' })
  @ApiTooManyRequestsResponse({ description: 'Too many calls in flight for this user (`Retry-After`)' })
  @ApiResponse({ status: 502, description: 'Upstream 5xx (`upstream_status`), refused or failed connection' })
  @ApiResponse({ status: 504, description: 'Upstream timeout' })
  async send(
    @CurrentUser() user: AuthUser,
    @Param('provider') provider: string,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const clientGone = new AbortController();
    reply.raw.once('close', () => {
      if (!reply.raw.writableFinished) clientGone.abort();
    });
    const answer = await this.passthrough.send(user, provider, body, clientGone.signal);
    reply.status(answer.status);
    if (answer.kind === 'json') {
      await reply.header('content-type', 'application/json; charset=utf-8').send(answer.body);
      return;
    }
    // Proxies in front (nginx) would otherwise hold the events back until their buffer fills.
    await reply.header('content-type', answer.contentType).header('x-accel-buffering', 'no').send(answer.body);
  }
}
