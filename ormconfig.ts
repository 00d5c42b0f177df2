import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { APP_ENTITIES } from './src/app.module.js';
import { loadConfig } from './src/config/app-config.js';
import { dataSourceOptions } from './src/database/data-source-options.js';
import { openDatabaseTarget } from './src/database/database-target.js';

/**
 * The data source the TypeORM CLI uses (`npm run migration:run`): the same settings as the
 * service (its entities too, for `migration:generate`), so DATABASE_URL or, unset, the embedded
 * database under DATA_DIR.
 */
export const dataSource: Promise<DataSource> = openDatabaseTarget(loadConfig(), 'providers-service-cli').then(
  (target) => new DataSource({ ...dataSourceOptions(target.settings), entities: APP_ENTITIES }),
);
