import { SetMetadata } from '@nestjs/common';
import type { FastifyInstance, FastifyRequest } from 'fastify';

/** Largest body any route accepts; the transport answers 413 above it, whoever sends it. */
export const MAX_BODY_BYTES = 64 * 1024;

/**
 * Deepest nesting of arrays and objects a JSON body may have. No route reads anything nested,
 * and the validation pipe walks a body recursively: 64 KiB of `[` would overflow the stack (a
 * 500) where this answers 400.
 */
const MAX_JSON_DEPTH = 32;

export interface BodyProblem {
  status: 400 | 415;
  message: string;
}

const BODY_PROBLEM = Symbol('bodyProblem');
type RequestWithProblem = FastifyRequest & { [BODY_PROBLEM]?: BodyProblem };

/**
 * Routes whose handler does not read the body: nothing about it is ever reported.
 * (The providers list: the dashboard app posts `Content-Type: application/json` with no body.)
 */
export const IGNORE_BODY = 'ignoreBody';
export const IgnoreBody = () => SetMetadata(IGNORE_BODY, true);

/** Per-route body limit, read by the parsers (`@RouteConfig({ bodyLimit })`); above MAX_BODY_BYTES see route-overrides.ts. */
export interface RouteBodyConfig {
  bodyLimit?: number;
}

export function bodyProblemOf(request: FastifyRequest): BodyProblem | undefined {
  return (request as RequestWithProblem)[BODY_PROBLEM];
}

/**
 * Fastify rejects bad bodies (malformed JSON, an empty JSON body, an unknown content type)
 * while parsing, before any guard runs, so an anonymous caller would learn about the body
 * before being told to authenticate. Here parsing never fails: a problem is recorded on the
 * request, and BodyProblemGuard reports it after authentication, for routes that read
 * the body. Only the size limit (413) stays at the transport.
 */
export function registerBodyParsers(fastify: FastifyInstance): void {
  const parseJson = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeAllContentTypeParsers();

  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
    (req, body, done) => {
      const text = body as string;
      if (exceedsRouteLimit(req, text)) return done(tooLarge(), undefined);
      if (text.length === 0) return done(null, undefined);
      if (nestedDeeperThan(text, MAX_JSON_DEPTH)) {
        record(req, { status: 400, message: `Request body is nested more than ${MAX_JSON_DEPTH} levels deep` });
        return done(null, undefined);
      }
      // Fastify's own parser answers through the callback (its type also allows a promise).
      void parseJson(req, text, (err, value) => {
        if (err) record(req, { status: 400, message: 'Request body is not valid JSON' });
        done(null, err ? undefined : value);
      });
    },
  );

  fastify.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: MAX_BODY_BYTES },
    (req, body, done) => {
      const text = body as string;
      if (exceedsRouteLimit(req, text)) return done(tooLarge(), undefined);
      const form: Record<string, string | string[]> = Object.create(null);
      for (const [key, value] of new URLSearchParams(text)) {
        const seen = form[key];
        form[key] = seen === undefined ? value : ([] as string[]).concat(seen, value);
      }
      done(null, form);
    },
  );

  fastify.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: MAX_BODY_BYTES }, (req, body, done) => {
    if (exceedsRouteLimit(req, body as Buffer)) return done(tooLarge(), undefined);
    if ((body as Buffer).length > 0) {
      record(req, { status: 415, message: 'Send application/json or application/x-www-form-urlencoded' });
    }
    done(null, undefined);
  });
}

/** Whether brackets outside strings nest deeper than `max`: one pass, no parsing. */
export function nestedDeeperThan(json: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // a backslash escapes the next character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

function record(req: FastifyRequest, problem: BodyProblem): void {
  (req as RequestWithProblem)[BODY_PROBLEM] = problem;
}

function exceedsRouteLimit(req: FastifyRequest, body: string | Buffer): boolean {
  const limit = (req.routeOptions.config as RouteBodyConfig | undefined)?.bodyLimit;
  return limit !== undefined && Buffer.byteLength(body) > limit;
}

function tooLarge(): Error {
  return Object.assign(new Error('Request body is too large'), { statusCode: 413 });
}
