import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { coalescedLogOutput } from './log-output.js';
import { currentRequestId } from './request-context.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/**
 * Nest's own start-up chatter (a line per module, controller and route): useful when
 * debugging the wiring, noise in an operator's log.
 */
const START_UP_CONTEXTS = new Set([
  'NestFactory',
  'InstanceLoader',
  'RoutesResolver',
  'RouterExplorer',
  'NestApplication',
]);

/**
 * Keys whose values never reach a log line, wherever they appear in structured params or
 * logged objects (string messages are written by our own code, which never puts them there).
 */
const REDACTED_KEYS = [
  'authorization',
  'cookie',
  'set-cookie',
  'password',
  'passwordHash',
  'password_hash',
  'token',
  'access_token',
  'csrftoken',
  'apiKey',
  'api_key',
  'prompt',
  'messages',
  'answer',
  'content',
];

export interface ServiceLoggerOptions {
  /** One JSON object per line (production); otherwise Nest's readable lines. */
  json: boolean;
  /** The most detailed level written. */
  level: LogLevel;
}

/** One access-log record (request-logging.ts): fields of known types that never hold a secret. */
export interface AccessRecord {
  request_id: string;
  method: string;
  route: string;
  status: number;
  duration_ms: number;
  user_id: number | null;
}

const ACCESS_CONTEXT = 'Access';

/**
 * The one logger of the process: Nest's ConsoleLogger, as JSON lines in production, each
 * stamped with the id of the request it was written for. The JSON lines of one turn of the
 * event loop are written together (log-output.ts).
 */
export class ServiceLogger extends ConsoleLogger {
  constructor({ json, level }: ServiceLoggerOptions) {
    super({
      json,
      logLevels: LEVELS.slice(0, LEVELS.indexOf(level) + 1),
      flattenParams: true,
      redact: REDACTED_KEYS,
    });
  }

  /**
   * The access-log line of an answered request, at level `log`. In JSON it is the record
   * Nest's path would write, built directly: that path redacts and walks every field for
   * secrets and cycles, which a record of numbers and route names cannot hold, and the line
   * is written once per request.
   */
  access(message: string, record: AccessRecord): void {
    if (!this.isLevelEnabled('log')) return;
    if (!this.options.json) return super.log(message, record, ACCESS_CONTEXT);
    const line = JSON.stringify({
      time: new Date().toISOString(),
      level: 'log',
      message,
      context: ACCESS_CONTEXT,
      ...record,
    });
    coalescedLogOutput().write('stdout', `${line}\n`);
  }

  log(message: unknown, ...optionalParams: unknown[]): void {
    const context = optionalParams.at(-1);
    if (typeof context === 'string' && START_UP_CONTEXTS.has(context)) super.debug(message, ...optionalParams);
    else super.log(message, ...optionalParams);
  }

  protected printAsJson(message: unknown, options: Parameters<ConsoleLogger['printAsJson']>[1]): void {
    const line = this.stringifyJsonLogObject(this.getJsonLogObject(message, options));
    coalescedLogOutput().write(options.writeStreamType ?? 'stdout', `${line}\n`);
  }

  /** Nest's JSON record, reshaped: an ISO time first, the request id, and no pid. */
  protected stringifyJsonLogObject(logObject: Record<string, unknown>): string {
    const { timestamp, level, pid: _pid, message, context, request_id, ...rest } = logObject;
    const requestId = request_id ?? currentRequestId();
    return super.stringifyJsonLogObject({
      time: new Date(timestamp as number).toISOString(),
      level,
      message,
      context,
      ...(requestId !== undefined ? { request_id: requestId } : {}),
      ...rest,
    });
  }
}
