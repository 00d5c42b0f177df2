import { Body, Controller, Get, Headers, HttpCode, Post, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { Public } from '../../auth/public.decorator.js';
import { ECHO_MODEL, echoCompletion, echoEvents, readEchoRequest } from './echo-completion.js';

/** A pause between streamed words, so that a person watching `curl -N` sees the stream. */
const WORD_PAUSE_MS = 25;

const openAiError = (message: string, type: string) => ({ error: { message, type, param: null, code: null } });

/** Where the echo is served; the egress module lets the service reach this path alone on its own port. */
export const DEMO_ECHO_PATH = '/demo/openai/v1';

/**
 * An OpenAI-compatible upstream that echoes, so that the passthrough can be tried with no key
 * and no network: registered only with demo data on and never in production (app.module.ts).
 * @Public() to the service's own guard, since its caller is the service itself, sending the
 * demo provider's key; it accepts any bearer token (and refuses a call without one, as OpenAI
 * would), since there is nothing here to protect.
 */
@ApiExcludeController()
@Public()
@Controller(DEMO_ECHO_PATH)
export class DemoEchoController {
  @Get('models')
  async models(@Headers('authorization') authorization: string | undefined, @Res() reply: FastifyReply): Promise<void> {
    if (!hasBearer(authorization)) return unauthorized(reply);
    await reply.send({ object: 'list', data: [{ id: ECHO_MODEL, object: 'model', created: 0, owned_by: 'demo' }] });
  }

  @Post('chat/completions')
  @HttpCode(200)
  async completions(
    @Headers('authorization') authorization: string | undefined,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    if (!hasBearer(authorization)) return unauthorized(reply);
    const request = readEchoRequest(body);
    if (typeof request === 'string') {
      return reply.status(400).send(openAiError(request, 'invalid_request_error'));
    }
    const id = `chatcmpl-echo-${randomUUID()}`;
    const created = Math.floor(Date.now() / 1000);
    if (!request.stream) return reply.send(echoCompletion(request, id, created));
    const events = echoEvents(request, id, created);
    const paced = async function* () {
      for (const event of events) {
        yield event;
        await sleep(WORD_PAUSE_MS);
      }
    };
    return reply.header('content-type', 'text/event-stream').send(Readable.from(paced()));
  }
}

function hasBearer(authorization: string | undefined): boolean {
  return /^Bearer \S+/i.test(authorization ?? '');
}

async function unauthorized(reply: FastifyReply): Promise<void> {
  await reply
    .status(401)
    .send(openAiError('Send any bearer token: Authorization: Bearer <anything>', 'invalid_request_error'));
}
