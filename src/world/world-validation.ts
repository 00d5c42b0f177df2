import { Ajv2020 } from 'ajv/dist/2020.js';
import { checkRules } from './world-rules.js';
import { fromSchemaError } from './world-schema-errors.js';
import { WORLD_SCHEMA } from './world-schema.js';
import {
  PROVIDER_RECORD_DEFAULTS,
  type World,
  type WorldFile,
  type WorldFileProvider,
  type WorldProblem,
  type WorldProviderRecordFields,
} from './world.types.js';

/** Enough problems to fix a file in a few rounds, few enough to read. */
export const MAX_REPORTED_PROBLEMS = 20;

export type WorldValidation =
  | { valid: true; world: World }
  | { valid: false; problems: WorldProblem[]; /** problems found beyond those reported */ omitted: number };

const ajv = new Ajv2020({ allErrors: true, strict: true });
const checkSchema = ajv.compile<WorldFile>(WORLD_SCHEMA);

/**
 * Checks a parsed world file: its shape first (JSON Schema), then, if the shape is right, the
 * rules between its parts. Returns the world with defaults filled in, or the problems with
 * their JSON paths (the first MAX_REPORTED_PROBLEMS of them). Touches no database.
 */
export function validateWorld(input: unknown): WorldValidation {
  const problems = new ProblemList();
  if (!checkSchema(input)) {
    for (const error of checkSchema.errors ?? []) problems.add(...fromSchemaError(error));
    return problems.result();
  }
  const world = withDefaults(input);
  checkRules(world, problems);
  return problems.count ? problems.result() : { valid: true, world };
}

/** The world a valid file describes, every optional field given its default. */
function withDefaults(file: WorldFile): World {
  return {
    accounts: file.accounts.map((a) => ({
      accountNumber: a.accountNumber,
      name: a.name,
      isPlatform: a.isPlatform ?? false,
    })),
    users: file.users.map((u) => ({
      username: u.username,
      email: u.email ?? '',
      password: u.password,
      isSuperuser: u.isSuperuser ?? false,
      isStaff: u.isStaff ?? false,
      isActive: u.isActive ?? true,
      accounts: u.accounts ?? [],
    })),
    providers: file.providers.map((p) => ({
      name: p.name,
      baseUrl: p.baseUrl ?? null,
      description: p.description ?? '',
      isActive: p.isActive ?? true,
      isVerified: p.isVerified ?? false,
      ...recordFieldsOf(p),
      owner: { username: p.owner.username, accountNumber: p.owner.accountNumber },
    })),
  };
}

/**
 * The record's fields a provider sets (default model, links, status…). Only those present: the
 * importer gives the others their defaults (PROVIDER_RECORD_DEFAULTS), and a world written
 * before they existed reads as it always did.
 */
function recordFieldsOf(p: WorldFileProvider): WorldProviderRecordFields {
  const fields: WorldProviderRecordFields = {};
  for (const key of Object.keys(PROVIDER_RECORD_DEFAULTS) as (keyof WorldProviderRecordFields)[]) {
    if (p[key] !== undefined) Object.assign(fields, { [key]: p[key] });
  }
  return fields;
}

/** Problems as they are found: all counted, the first MAX_REPORTED_PROBLEMS kept. */
export class ProblemList {
  private readonly kept: WorldProblem[] = [];
  count = 0;

  add(path: string, message: string): void {
    this.count++;
    if (this.kept.length < MAX_REPORTED_PROBLEMS) this.kept.push({ path, message });
  }

  result(): Extract<WorldValidation, { valid: false }> {
    return { valid: false, problems: this.kept, omitted: this.count - this.kept.length };
  }
}
