import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../../config/app-config.js';
import { dataSourceOptions } from '../../database/data-source-options.js';
import { openDatabaseTarget, type DatabaseTarget } from '../../database/database-target.js';
import { SecretsConfigError } from '../../secrets/secrets.errors.js';
import { SecretsService } from '../../secrets/secrets.service.js';
import { rotateApiKeys } from './api-key-rotation.js';

const USAGE = `Usage: SECRETS_KEY=<new> SECRETS_KEY_PREVIOUS=<old> npm run secrets:rotate
Re-encrypts every provider API key stored under another key than SECRETS_KEY, in the database
named by DATABASE_URL (or, unset, the embedded database under DATA_DIR). Keys sealed under
SECRETS_KEY_PREVIOUS are opened with it; once this succeeds, SECRETS_KEY_PREVIOUS can be removed.
Exits non-zero when a key could be opened with neither.`;

async function main(argv: string[]): Promise<number> {
  if (argv.length > 0) {
    console.error(USAGE);
    return argv[0] === '--help' || argv[0] === '-h' ? 0 : 2;
  }
  const config = loadConfig();
  const secrets = new SecretsService({
    key: config.SECRETS_KEY,
    previousKey: config.SECRETS_KEY_PREVIOUS,
    production: config.isProduction,
    dataDir: config.DATA_DIR,
  });
  let target: DatabaseTarget | undefined;
  let dataSource: DataSource | undefined;
  try {
    target = await openDatabaseTarget(config, 'providers-service-secrets-rotate');
    dataSource = new DataSource(dataSourceOptions({ ...target.settings, poolSize: 1 }));
    await dataSource.initialize();
    const summary = await rotateApiKeys(dataSource, secrets, {
      onBatch: (s) => console.error(`... ${s.examined} keys examined, ${s.rotated} re-encrypted`),
    });
    console.log(
      `${summary.rotated} of ${summary.examined} API keys re-encrypted under key ${secrets.currentKeyId}` +
        (summary.unreadable.length
          ? `; ${summary.unreadable.length} could not be opened with SECRETS_KEY or SECRETS_KEY_PREVIOUS ` +
            `(providers ${summary.unreadable.join(', ')}) and were left as they were`
          : ''),
    );
    return summary.unreadable.length ? 1 : 0;
  } finally {
    await dataSource?.destroy().catch(() => {});
    await target?.close().catch(() => {});
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof ConfigError || err instanceof SecretsConfigError) {
      console.error(err.message);
    } else {
      console.error(`Rotation failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    }
    process.exitCode = 1;
  },
);
