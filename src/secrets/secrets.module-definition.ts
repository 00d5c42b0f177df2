import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SecretsSettings } from './secrets-keys.js';

/**
 * `SecretsModule.register(settings)` or `registerAsync({ inject, useFactory })`: the module takes
 * plain values, so that it depends on no configuration class.
 */
export const {
  ConfigurableModuleClass: SecretsConfigurableModule,
  MODULE_OPTIONS_TOKEN: SECRETS_SETTINGS,
} = new ConfigurableModuleBuilder<SecretsSettings>().build();
