import { Account } from './account.entity.js';

/** The accounts feature's entities, for the data sources that app.module.ts and ormconfig.ts build. */
export const ACCOUNTS_ENTITIES = [Account];
