import 'reflect-metadata';
import { readFile } from 'node:fs/promises';
import { DataSource } from 'typeorm';
import { ConfigError, loadConfig } from '../config/app-config.js';
import { dataSourceOptions } from '../database/data-source-options.js';
import { openDatabaseTarget, type DatabaseTarget } from '../database/database-target.js';
import { findJsonSyntaxError } from './json-syntax.js';
import { formatSummary } from './world-import-summary.js';
import { WorldImportRepository } from './world-import.repository.js';
import { WorldImportService, WorldRejectedError } from './world-import.service.js';
import { validateWorld } from './world-validation.js';

const USAGE = `Usage: npm run world:import -- <world.json>
Imports a world file into the database named by DATABASE_URL (or, unset, the embedded
database under DATA_DIR), after running pending migrations. All or nothing: on any problem
it prints what is wrong and where, writes nothing and exits non-zero.`;

/** A problem worth one clear line on stderr, not a stack trace. */
class CliError extends Error {}

async function main(argv: string[]): Promise<number> {
  const started = performance.now();
  if (argv.length !== 1 || argv[0] === '--help' || argv[0] === '-h') {
    console.error(USAGE);
    return argv[0] === '--help' || argv[0] === '-h' ? 0 : 2;
  }
  const file = argv[0];
  const config = loadConfig();
  // The file is read and checked before any database is opened: a bad file costs nothing.
  const world = parseWorldJson(await readWorldFile(file), file);
  const validation = validateWorld(world);
  if (!validation.valid) throw new WorldRejectedError(validation.problems, validation.omitted);

  let target: DatabaseTarget | undefined;
  let dataSource: DataSource | undefined;
  try {
    target = await openDatabaseTarget(config, 'providers-service-world-import');
    dataSource = new DataSource(
      dataSourceOptions({ ...target.settings, poolSize: Math.min(target.settings.poolSize, 2) }),
    );
    try {
      await dataSource.initialize();
    } catch (err) {
      throw new CliError(`Cannot connect to the database: ${(err as Error).message}`);
    }
    await dataSource.runMigrations();
    const summary = await new WorldImportService(new WorldImportRepository(dataSource)).importValidated(
      validation.world,
      {
        onProgress: (message) => console.error(`[${seconds(started)}] ${message}...`),
      },
    );
    console.log(
      `Imported ${file}:\n${formatSummary(summary)} (${seconds(started)} in all, with start-up and migrations)`,
    );
    return 0;
  } finally {
    await dataSource?.destroy().catch(() => {});
    await target?.close().catch(() => {});
  }
}

function seconds(since: number): string {
  return `${((performance.now() - since) / 1000).toFixed(1)} s`;
}

async function readWorldFile(file: string): Promise<string> {
  try {
    // A byte-order mark (some Windows editors write one) is not JSON; the text after it is.
    return (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new CliError(
      code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot read it (${(err as Error).message})`,
    );
  }
}

/** JSON.parse, with the line and column of a syntax error. */
function parseWorldJson(text: string, file: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const at = findJsonSyntaxError(text);
    const detail = at ? `at line ${at.line}, column ${at.column}: ${at.message}` : `(${(err as Error).message})`;
    throw new CliError(`${file} is not valid JSON ${detail}. Nothing was imported.`);
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    if (err instanceof WorldRejectedError || err instanceof CliError || err instanceof ConfigError) {
      console.error(err.message);
    } else {
      console.error(
        `World import failed, nothing was imported: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`,
      );
    }
    process.exitCode = 1;
  },
);
