import { ConfigurableModuleBuilder } from '@nestjs/common';

export interface JobsSettings {
  /**
   * On shutdown, how long jobs in flight may take to finish; those still running are then
   * marked failed, so that another instance retries them.
   */
  stopTimeoutMs: number;
}

/**
 * `JobsModule.register(settings)`: plain values, no configuration class (as egress/ and
 * secrets/). Registered once with `isGlobal: true`, so every feature defines its jobs on the one queue.
 */
export const { ConfigurableModuleClass: JobsConfigurableModule, MODULE_OPTIONS_TOKEN: JOBS_SETTINGS } =
  new ConfigurableModuleBuilder<JobsSettings>()
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
