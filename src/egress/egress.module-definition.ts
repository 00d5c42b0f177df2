import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { EgressSettings } from './egress-settings.js';

/**
 * `EgressModule.register(settings)` or `registerAsync({ inject, useFactory })`: the module takes
 * plain values (unset ones at their defaults, see EGRESS_DEFAULTS), so that it depends on no
 * configuration class. Registered once with `isGlobal: true`, every feature shares the one
 * connection pool without importing the module again.
 */
export const { ConfigurableModuleClass: EgressConfigurableModule, MODULE_OPTIONS_TOKEN: EGRESS_SETTINGS } =
  new ConfigurableModuleBuilder<Partial<EgressSettings>>()
    .setExtras({ isGlobal: false }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
    .build();
