import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SecretsSettings } from './secrets-keys.js';

/**
 * `SecretsModule.register(settings)` or `registerAsync({ inject, useFactory })`: the module takes
 * plain values, so that it depends on no configuration class. Registered once with
 * `isGlobal: true`, every feature can inject SecretsService without importing the module again
 * (and so without a second keyring).
 */
export const { ConfigurableModuleClass: SecretsConfigurableModule, MODULE_OPTIONS_TOKEN: SECRETS_SETTINGS } =
  new ConfigurableModuleBuilder<SecretsSettings>()
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
