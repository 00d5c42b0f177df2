import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ACCOUNTS_ENTITIES } from './accounts/accounts.entities.js';
import { AUTH_ENTITIES } from './auth/auth.entities.js';
import { AuthGuard } from './auth/auth.guard.js';
import { AuthModule } from './auth/auth.module.js';
import { SameSiteGuard } from './auth/same-site-only.decorator.js';
import { AllExceptionsFilter, ERROR_TRANSLATORS } from './common/all-exceptions.filter.js';
import { BodyProblemGuard } from './common/body-problem.guard.js';
import { AppConfig } from './config/app-config.js';
import { ConfigModule } from './config/config.module.js';
import { DashboardModule } from './dashboard/dashboard.module.js';
import { DataChangesModule } from './database/data-changes.module.js';
import { dataSourceOptions, type DatabaseSettings } from './database/data-source-options.js';
import { DatabaseStatus } from './database/database-status.js';
import { EgressModule } from './egress/egress.module.js';
import { HealthModule } from './health/health.module.js';
import { JobsModule } from './jobs/jobs.module.js';
import { DEMO_ECHO_PATH } from './passthrough/demo-echo/demo-echo.controller.js';
import { PASSTHROUGH_ENTITIES } from './passthrough/passthrough.entities.js';
import { PassthroughModule } from './passthrough/passthrough.module.js';
import { ObservabilityModule } from './observability/observability.module.js';
import { PROVIDERS_ENTITIES } from './providers/providers.entities.js';
import { ProvidersModule } from './providers/providers.module.js';
import { SecretsModule } from './secrets/secrets.module.js';
import { USERS_ENTITIES } from './users/users.entities.js';
import { WorldModule } from './world/world.module.js';

/** Every feature's entities: the schema the app's data source and the TypeORM CLI's describe. */
export const APP_ENTITIES = [
  ...ACCOUNTS_ENTITIES,
  ...USERS_ENTITIES,
  ...AUTH_ENTITIES,
  ...PROVIDERS_ENTITIES,
  ...PASSTHROUGH_ENTITIES,
];

export interface AppModuleOptions {
  config: AppConfig;
  database: DatabaseSettings;
}

@Module({})
export class AppModule {
  static register({ config, database }: AppModuleOptions): DynamicModule {
    // The demo echo upstream, and the one private place the egress module may then reach: the
    // echo's path on the service's own port, which the demo world's "Local echo" provider points
    // at, and no other route of it (PORT=0 picks a port only at listen time: no echo provider
    // can point at it, so nothing is allowed).
    const demoEcho = config.demoData && !config.isProduction;
    const echoPath =
      demoEcho && config.PORT > 0 ? [{ host: '127.0.0.1', port: config.PORT, pathPrefix: DEMO_ECHO_PATH }] : [];
    return {
      module: AppModule,
      imports: [
        ConfigModule.register(config),
        TypeOrmModule.forRoot({
          ...dataSourceOptions(database),
          entities: APP_ENTITIES,
          migrationsRun: config.MIGRATIONS_RUN,
          // Start-up fails fast with the driver's message instead of retrying for half a minute.
          retryAttempts: 0,
          // An outage is logged once by DatabaseStatus (which also listens to the pool's
          // errors), not once per dropped idle connection.
          poolErrorHandler: () => {},
        }),
        // Global: every feature shares one keyring and one outbound connection pool.
        SecretsModule.register({
          isGlobal: true,
          key: config.SECRETS_KEY,
          previousKey: config.SECRETS_KEY_PREVIOUS,
          production: config.isProduction,
          dataDir: config.DATA_DIR,
        }),
        EgressModule.register({
          isGlobal: true,
          allowPrivate: config.EGRESS_ALLOW_PRIVATE,
          allowHosts: config.EGRESS_ALLOW_HOSTS,
          allowPaths: echoPath,
          connectTimeoutMs: config.EGRESS_CONNECT_TIMEOUT_MS,
          firstByteTimeoutMs: config.EGRESS_FIRST_BYTE_TIMEOUT_MS,
          idleTimeoutMs: config.EGRESS_IDLE_TIMEOUT_MS,
          totalTimeoutMs: config.EGRESS_TOTAL_TIMEOUT_MS,
          maxResponseBytes: config.EGRESS_MAX_RESPONSE_BYTES,
        }),
        JobsModule.register({ isGlobal: true, stopTimeoutMs: config.SHUTDOWN_TIMEOUT_MS }),
        DataChangesModule,
        ObservabilityModule,
        HealthModule,
        DashboardModule,
        AuthModule,
        ProvidersModule,
        PassthroughModule.register({ demoEcho }),
        WorldModule,
      ],
      providers: [
        DatabaseStatus,
        { provide: ERROR_TRANSLATORS, useFactory: (database: DatabaseStatus) => [database], inject: [DatabaseStatus] },
        { provide: APP_FILTER, useClass: AllExceptionsFilter },
        // Every route needs a signed-in user unless it is @Public().
        { provide: APP_GUARD, useExisting: AuthGuard },
        // Global guards run in this order, before a route's own. @SameSiteOnly's cross-site
        // refusal, then body problems: reported only to authenticated, same-site callers.
        { provide: APP_GUARD, useExisting: SameSiteGuard },
        { provide: APP_GUARD, useClass: BodyProblemGuard },
      ],
    };
  }
}
