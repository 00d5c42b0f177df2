import { Body, Controller, Get, Header, Post, Query, Req, Res } from '@nestjs/common';
import { RouteConfig } from '@nestjs/platform-fastify';
import { ApiExcludeEndpoint, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppConfig } from '../config/app-config.js';
import { setSessionCookies } from './auth-cookies.js';
import { AuthService, type SignedIn } from './auth.service.js';
import { PASSWORD_MAX_LENGTH, USERNAME_MAX_LENGTH } from './dto/login.dto.js';
import { CROSS_SITE_MESSAGE, LOGIN_BODY_LIMIT } from './auth.controller.js';
import { LOGIN_CSS, renderLoginPage, type LoginPageModel } from './login-page.html.js';
import { safeNext } from './origin.js';
import { Public } from './public.decorator.js';
import { SameSiteOnly } from './same-site-only.decorator.js';
import { InvalidCredentials, SignInRefused } from './sign-in.errors.js';

/**
 * Strict for the page: only our own stylesheet loads, the form posts only here, and no other
 * site may frame it (clickjacking a sign-in form). The other security headers are helmet's,
 * on every answer.
 */
const PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy':
    "default-src 'none'; style-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'referrer-policy': 'same-origin',
};

/**
 * The browser's way in: a plain HTML form that signs in, sets the session cookies and goes
 * back to the page the visitor came from (`next`, when it is a path on this site).
 */
@ApiTags('auth')
@Controller('login')
export class LoginPageController {
  constructor(
    private readonly auth: AuthService,
    private readonly config: AppConfig,
  ) {}

  @Public()
  @Get('/')
  @ApiOperation({ summary: 'The sign-in page (HTML); `next` is where to go afterwards' })
  @ApiProduces('text/html')
  page(@Query('next') next: unknown, @Res() reply: FastifyReply): void {
    sendPage(reply, 200, { next: safeNext(first(next)) });
  }

  @Public()
  @SameSiteOnly(CROSS_SITE_MESSAGE)
  @Post('/')
  @RouteConfig({ bodyLimit: LOGIN_BODY_LIMIT })
  @ApiOperation({
    summary: 'Sign in from the HTML form: 303 to `next` on success, the form again with an error otherwise',
  })
  @ApiProduces('text/html')
  async submit(
    @Body() body: unknown,
    @Query('next') queryNext: unknown,
    @Req() request: FastifyRequest,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    const form = (body && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    const next = safeNext(first(form.next) ?? first(queryNext));
    const username = form.username;
    const password = form.password;
    if (typeof username !== 'string' || typeof password !== 'string' || !username || !password) {
      return sendPage(reply, 400, {
        next,
        username: typeof username === 'string' ? username : '',
        error: 'Enter your username and password.',
      });
    }
    if (username.length > USERNAME_MAX_LENGTH || password.length > PASSWORD_MAX_LENGTH) {
      return sendRefusal(reply, new InvalidCredentials(), { next });
    }

    let session: SignedIn;
    try {
      session = await this.auth.signIn(request, username, password);
    } catch (err) {
      if (!(err instanceof SignInRefused)) throw err;
      return sendRefusal(reply, err, { next, username });
    }
    setSessionCookies(reply, session, this.config);
    // 303: the browser follows with a GET, and a reload does not post the password again.
    reply.redirect(next, 303);
  }

  @Public()
  @Get('login.css')
  @ApiExcludeEndpoint()
  @Header('content-type', 'text/css; charset=utf-8')
  @Header('cache-control', 'public, max-age=3600')
  stylesheet(): string {
    return LOGIN_CSS;
  }
}

/**
 * The form again, with the refusal's status and its words for people. Of the refusal's headers
 * only Retry-After applies: a page is no Bearer challenge.
 */
function sendRefusal(reply: FastifyReply, refusal: SignInRefused, model: Omit<LoginPageModel, 'error'>): void {
  const retryAfter = refusal.headers['retry-after'];
  if (retryAfter !== undefined) reply.header('retry-after', retryAfter);
  sendPage(reply, refusal.status, { ...model, error: refusal.pageMessage });
}

function sendPage(reply: FastifyReply, status: number, model: LoginPageModel): void {
  reply.status(status).headers(PAGE_HEADERS).send(renderLoginPage(model));
}

/** A repeated query or form field arrives as an array: the first value counts. */
function first(value: unknown): unknown {
  return Array.isArray(value) ? value[0] : value;
}
