import { Injectable, Logger } from '@nestjs/common';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AppConfig } from '../config/app-config.js';
import { lastFour } from '../secrets/last-four.js';
import { SecretsService } from '../secrets/secrets.service.js';
import { UsersRepository } from '../users/users.repository.js';
import { DemoEchoRepository } from './demo-echo.repository.js';
import { WorldImportService } from './world-import.service.js';
import type { WorldFile, WorldFileUser } from './world.types.js';

export interface DemoLogin {
  username: string;
  password: string;
  /** Which case of the read rule this login shows. */
  shows: string;
}

export interface DemoWorldStatus {
  /** True when this call imported the demo world (the database had no users). */
  seeded: boolean;
  /** The demo logins, when the demo users are in the database; empty otherwise. */
  logins: DemoLogin[];
}

/**
 * The project's root: the nearest folder above this file with a package.json. This file runs
 * from src/world/ under jest and from dist/src/world/ once built, so a fixed number of `..`
 * would be right in only one of them.
 */
export function projectRoot(from = dirname(fileURLToPath(import.meta.url))): string {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) throw new Error(`No package.json above ${from}: cannot find the project's data/ folder`);
  }
}

export const DEMO_WORLD_PATH = join(projectRoot(), 'data', 'demo-world.json');

export async function readDemoWorld(path = DEMO_WORLD_PATH): Promise<WorldFile> {
  return JSON.parse(await readFile(path, 'utf8')) as WorldFile;
}

/** Seeds an empty database with data/demo-world.json, so that a fresh clone has something to show. */
@Injectable()
export class DemoWorldService {
  private readonly logger = new Logger(DemoWorldService.name);

  constructor(
    private readonly users: UsersRepository,
    private readonly importer: WorldImportService,
    private readonly demoEcho: DemoEchoRepository,
    private readonly secrets: SecretsService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Imports the demo world when the users table is empty; a database that has any user is
   * someone's data and is left alone.
   */
  async seedIfEmpty(path = DEMO_WORLD_PATH): Promise<DemoWorldStatus> {
    const world = await readDemoWorld(path);
    const empty = await this.users.isEmpty();
    if (empty) {
      const summary = await this.importer.importWorld(world);
      this.logger.log(
        `The database had no users: imported the demo world from ${relative(process.cwd(), path) || path} ` +
          `(${summary.accounts.created} accounts, ${summary.users.created} users, ${summary.providers.created} providers)`,
      );
    }
    await this.prepareDemoEcho();
    const usernames = world.users.map((u) => u.username);
    const present = await this.users.countByUsername(usernames);
    return { seeded: empty, logins: present === usernames.length ? demoLogins(world) : [] };
  }

  /**
   * "Local echo" points at the demo echo upstream this service serves on its own port
   * (src/passthrough/demo-echo/); a world file cannot know the port, or hold a key.
   */
  private async prepareDemoEcho(): Promise<void> {
    if (this.config.isProduction || this.config.PORT === 0) return;
    await this.demoEcho.prepare({
      baseUrl: `http://127.0.0.1:${this.config.PORT}/demo/openai/v1`,
      defaultModel: DEMO_ECHO_MODEL,
      apiKeyCiphertext: this.secrets.encrypt(DEMO_ECHO_KEY),
      apiKeyLast4: lastFour(DEMO_ECHO_KEY),
    });
  }
}

/** Any key will do: the demo echo accepts every bearer token. */
const DEMO_ECHO_KEY = 'demo-echo-key-not-a-secret';
const DEMO_ECHO_MODEL = 'echo-1';

/**
 * Each demo user's login and what it shows, worked out from the world so the two cannot
 * disagree. It restates `provider.read` (src/permissions/access-scopes.ts) over the world
 * file, since the log is written before anyone signs in; test/read-rule-restatements.e2e-spec.ts
 * checks its counts against checkAccess.
 */
export function demoLogins(world: WorldFile): DemoLogin[] {
  const accounts = new Map(world.accounts.map((a) => [a.accountNumber, a]));
  const platformCount = world.providers.filter((p) => accounts.get(p.owner.accountNumber)?.isPlatform).length;
  const shows = (user: WorldFileUser): string => {
    const mine = (user.accounts ?? []).map((n) => accounts.get(n)!);
    const customers = mine.filter((a) => !a.isPlatform).map((a) => a.name);
    if (user.isActive === false) return 'inactive user: cannot sign in, reads nothing';
    if (user.isSuperuser) return `superuser: reads every provider (${world.providers.length})`;
    if (mine.length === 0) return 'no profile in any account: reads nothing';
    if (customers.length === 0) {
      return `${user.isStaff ? 'staff, ' : ''}platform profile only: reads the ${platformCount} platform providers`;
    }
    const readable = world.providers.filter((p) => {
      const owner = accounts.get(p.owner.accountNumber)!;
      return owner.isPlatform || (user.accounts ?? []).includes(owner.accountNumber);
    }).length;
    const names = customers.join(' and ');
    return customers.length === 1
      ? `ordinary user in ${names}: reads the platform providers and those of ${names} (${readable})`
      : `profiles in ${names}: reads the platform providers and those of ${customers.length === 2 ? 'both' : `all ${customers.length}`} accounts, each once (${readable})`;
  };
  return world.users.map((u) => ({ username: u.username, password: u.password, shows: shows(u) }));
}

/** The demo logins as an aligned table for the start-up log. */
export function formatDemoLogins(logins: DemoLogin[]): string {
  const w1 = Math.max(8, ...logins.map((l) => l.username.length));
  const w2 = Math.max(8, ...logins.map((l) => l.password.length));
  const line = (a: string, b: string, c: string) => `  ${a.padEnd(w1)}  ${b.padEnd(w2)}  ${c}`;
  return [
    'Demo logins (demo passwords: never use this data in production):',
    line('username', 'password', 'what it shows'),
    ...logins.map((l) => line(l.username, l.password, l.shows)),
  ].join('\n');
}
