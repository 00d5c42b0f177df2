import 'reflect-metadata';
import { plainToInstance, Transform } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  Min,
  validateSync,
} from 'class-validator';
import { toBool, toInt, toList, toNumber } from './env-values.js';
import { formatProblems, productionProblems } from './production-checks.js';

/**
 * Every setting the service reads from the environment, validated once at start-up.
 * The README's configuration table documents each of them (readme-table.spec.ts checks it).
 */
export class AppConfig {
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: 'development' | 'production' | 'test' = 'development';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '127.0.0.1';

  /** Unset: the embedded PostgreSQL (PGlite) under DATA_DIR. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @IsString()
  DATA_DIR = '.data';

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(200)
  DB_POOL_SIZE = 10;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  DB_STATEMENT_TIMEOUT_MS = 5000;

  /**
   * Longest a request may take, whatever it waits for (a database that hangs, a pool with no
   * free connection): past it the request is answered 503. Keep it above
   * DB_STATEMENT_TIMEOUT_MS (the defaults are), so that a slow query is reported as such first.
   * At most Node's longest timer (about 24.8 days): a longer one would fire at once.
   */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(2 ** 31 - 1)
  REQUEST_TIMEOUT_MS = 10_000;

  /** On SIGTERM, how long requests in flight may take to finish before the process exits anyway (code 1). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10_000;

  @Transform(toBool)
  @IsBoolean()
  MIGRATIONS_RUN = true;

  /** Import the demo world when the database has no users. Defaults to on outside production. */
  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  DEMO_DATA?: boolean;

  @IsOptional()
  @IsString()
  JWT_SECRET?: string;

  @Transform(toInt)
  @IsInt()
  @Min(30)
  @Max(60 * 60 * 24 * 30)
  JWT_EXPIRES_IN = 3600;

  @IsString()
  JWT_ISSUER = 'providers-service';

  @IsString()
  JWT_AUDIENCE = 'providers-service';

  @IsOptional()
  @Transform(toBool)
  @IsBoolean()
  COOKIE_SECURE?: boolean;

  @Transform(toBool)
  @IsBoolean()
  ALLOW_INSECURE_COOKIES = false;

  /** Failed sign-ins for one username within the window before it is throttled (429). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_USER = 10;

  /** Failed sign-ins from one client address within the window before it is throttled (429). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_MAX_FAILURES_PER_IP = 100;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(60 * 60 * 24)
  LOGIN_FAILURE_WINDOW_SECONDS = 15 * 60;

  @Transform(toList)
  @IsString({ each: true })
  CORS_ORIGINS: string[] = [];

  /**
   * The per-user caches: each user's providers list, and the signed-in user looked up on every
   * request. On by default in production; needs DATABASE_URL (its change notifications).
   */
  @IsOptional()
  @IsIn(['on', 'off'])
  PROVIDERS_CACHE?: 'on' | 'off';

  @Transform(toInt)
  @IsInt()
  @Min(0)
  PROVIDERS_CACHE_MAX_BYTES = 64 * 1024 * 1024;

  /**
   * What POST /dashboard/passthrough/api/providers/ answers: `mini`, the seed's `{id, name,
   * base_url}`, or `smarter`, the representation Smarter's own dashboard app reads. One per
   * process, so the cache holds one format and a client never sees the two mixed.
   */
  @IsIn(['mini', 'smarter'])
  PROVIDERS_LIST_FORMAT: 'mini' | 'smarter' = 'mini';

  /** Encrypts the providers' API keys at rest. Unset outside production: a key kept in DATA_DIR. */
  @IsOptional()
  @IsString()
  SECRETS_KEY?: string;

  /** During a rotation, the key being replaced: still decrypts, never encrypts. */
  @IsOptional()
  @IsString()
  SECRETS_KEY_PREVIOUS?: string;

  /** Let outbound calls reach loopback, private and link-local addresses (tests, a one-machine demo). */
  @Transform(toBool)
  @IsBoolean()
  EGRESS_ALLOW_PRIVATE = false;

  /** Hosts (or host:port) that outbound calls may reach whatever address they resolve to. */
  @Transform(toList)
  @IsString({ each: true })
  EGRESS_ALLOW_HOSTS: string[] = [];

  @Transform(toInt)
  @IsInt()
  @Min(100)
  EGRESS_CONNECT_TIMEOUT_MS = 5_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  EGRESS_FIRST_BYTE_TIMEOUT_MS = 60_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  EGRESS_IDLE_TIMEOUT_MS = 60_000;

  @Transform(toInt)
  @IsInt()
  @Min(100)
  EGRESS_TOTAL_TIMEOUT_MS = 10 * 60_000;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  EGRESS_MAX_RESPONSE_BYTES = 10 * 1024 * 1024;

  /** Each outbound call of a provider's verification (its connectivity and URL checks), start to status. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  VERIFICATION_TIMEOUT_MS = 10_000;
  /** Passthrough calls one user may have in flight at once (per instance); beyond it, 429. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  PASSTHROUGH_MAX_CONCURRENT_PER_USER = 4;

  /** Largest non-streamed passthrough answer relayed (held whole to be read); past it, 502. */
  @Transform(toInt)
  @IsInt()
  @Min(1024)
  PASSTHROUGH_MAX_ANSWER_BYTES = 4 * 1024 * 1024;

  /**
   * The proxies in front of the service, whose X-Forwarded-For decides the client address
   * (sign-in throttling, logs): comma-separated addresses, CIDR ranges or proxy-addr's names
   * (`loopback`, `linklocal`, `uniquelocal`). Empty: none, the peer's own address is the
   * client's. No hop count: Fastify 5 trusts no peer for one, since a count cannot tell a
   * proxy from a client that sends a forged header.
   */
  @Matches(
    /^([0-9A-Fa-f.:/]+|loopback|linklocal|uniquelocal)(\s*,\s*([0-9A-Fa-f.:/]+|loopback|linklocal|uniquelocal))*$|^$/,
    {
      message: 'TRUST_PROXY must be comma-separated addresses, CIDR ranges, loopback, linklocal or uniquelocal',
    },
  )
  TRUST_PROXY = '';

  /** Unset: no metrics server. GET /metrics (Prometheus text) on this port, never the public one. */
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  METRICS_PORT?: number;

  /**
   * Unset: no tracing, and none of OpenTelemetry is loaded. Set: traces go to this OTLP/HTTP
   * collector, at `<url>/v1/traces` (as OpenTelemetry's own variable of that name means).
   */
  @IsOptional()
  @Matches(/^https?:\/\/[^\s]+$/, { message: 'OTEL_EXPORTER_OTLP_ENDPOINT must be an http:// or https:// URL' })
  OTEL_EXPORTER_OTLP_ENDPOINT?: string;

  /** The `service.name` the traces are exported under. */
  @IsString()
  OTEL_SERVICE_NAME = 'providers-service';

  /** Load shedding: past this event-loop delay, requests are answered 503 at once; 0 is off. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHED_MAX_EVENT_LOOP_DELAY_MS = 1000;

  /** Load shedding: past this share of time the event loop is busy (0 to 1), 503 at once; 0 is off. */
  @Transform(toNumber)
  @IsNumber()
  @Min(0)
  @Max(1)
  SHED_MAX_EVENT_LOOP_UTILIZATION = 0;

  /** The Retry-After of a shed request. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SHED_RETRY_AFTER_SECONDS = 2;

  @IsIn(['fatal', 'error', 'warn', 'log', 'debug', 'verbose'])
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'log' | 'debug' | 'verbose' = 'log';

  get isProduction(): boolean {
    return this.NODE_ENV === 'production';
  }

  get embeddedDatabase(): boolean {
    return !this.DATABASE_URL;
  }

  get demoData(): boolean {
    return this.DEMO_DATA ?? !this.isProduction;
  }

  /** The embedded database has one connection, none to spare for the change listener. */
  get providersCache(): boolean {
    return (this.PROVIDERS_CACHE ?? (this.isProduction ? 'on' : 'off')) === 'on' && !this.embeddedDatabase;
  }

  /** TRUST_PROXY as Fastify's `trustProxy` takes it. */
  get trustProxy(): false | string[] {
    const value = this.TRUST_PROXY.trim();
    return value === '' ? false : value.split(',').map((entry) => entry.trim());
  }

  get cookieSecure(): boolean {
    return this.COOKIE_SECURE ?? this.isProduction;
  }
}

/** Settings without a default (the others are found from the class's initialisers). */
const OPTIONAL_KEYS = [
  'DATABASE_URL',
  'DEMO_DATA',
  'JWT_SECRET',
  'COOKIE_SECURE',
  'PROVIDERS_CACHE',
  'SECRETS_KEY',
  'SECRETS_KEY_PREVIOUS',
  'METRICS_PORT',
  'OTEL_EXPORTER_OTLP_ENDPOINT',
];

/** The name of every setting: the environment variables the service reads. */
export function settingNames(): string[] {
  return [...Object.keys(new AppConfig()), ...OPTIONAL_KEYS];
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Builds and validates the configuration; throws a ConfigError that says what to set. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const known = settingNames();
  const raw = Object.fromEntries(Object.entries(env).filter(([k, v]) => known.includes(k) && v !== undefined));
  const config = plainToInstance(AppConfig, raw, { exposeDefaultValues: true });
  const problems = validateSync(config, { forbidUnknownValues: false }).flatMap((e) =>
    Object.values(e.constraints ?? {}).map((m) => `${e.property}: ${m}`),
  );
  problems.push(...formatProblems(config), ...productionProblems(config));
  if (problems.length) throw new ConfigError(problems);
  return config;
}
