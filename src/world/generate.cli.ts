import { writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { generateWorld } from './world-generator.js';

const USAGE = `Usage: npm run world:generate -- [--seed N] [--accounts N] [--users N] [--providers N]
                              [--platform-providers N] [--out FILE]
Writes a world file (JSON), the same for the same options, to FILE or stdout.
Counts are totals: --accounts includes the platform account, --users includes root,
--providers includes the platform providers. Every user's password is pw-<username>.
Defaults: --seed 1 --accounts 20 --users 100 --providers 500 --platform-providers 10`;

function main(argv: string[]): number {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        seed: { type: 'string', default: '1' },
        accounts: { type: 'string', default: '20' },
        users: { type: 'string', default: '100' },
        providers: { type: 'string', default: '500' },
        'platform-providers': { type: 'string', default: '10' },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const number = (name: string): number => {
    const text = String(values[name]);
    if (!/^\d+$/.test(text)) throw new RangeError(`--${name} must be a whole number, got "${text}"`);
    return Number(text);
  };
  let json: string;
  try {
    const world = generateWorld({
      seed: number('seed'),
      accounts: number('accounts'),
      users: number('users'),
      providers: number('providers'),
      platformProviders: number('platform-providers'),
    });
    json = `${JSON.stringify(world)}\n`;
  } catch (err) {
    if (!(err instanceof RangeError)) throw err;
    console.error(`${err.message}\n\n${USAGE}`);
    return 2;
  }
  if (typeof values.out === 'string') {
    writeFileSync(values.out, json);
    const bytes = Buffer.byteLength(json);
    console.error(
      `Wrote ${values.out} (${bytes < 1e6 ? `${Math.ceil(bytes / 1e3)} kB` : `${(bytes / 1e6).toFixed(1)} MB`})`,
    );
  } else {
    process.stdout.write(json);
  }
  return 0;
}

// exitCode rather than exit(): stdout may be a pipe that is still being written to.
process.exitCode = main(process.argv.slice(2));
