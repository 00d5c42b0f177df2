import { PromptUsage } from './prompt-usage.entity.js';

/** The passthrough feature's entities, for the data sources that app.module.ts and ormconfig.ts build. */
export const PASSTHROUGH_ENTITIES = [PromptUsage];
