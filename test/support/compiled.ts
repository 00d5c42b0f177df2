import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { withFileLock } from './file-lock.js';

const run = promisify(execFile);
export const ROOT = resolve(import.meta.dirname ?? '.', '..', '..');

/**
 * The service and its CLIs compiled with the build's tsconfig, into a folder of their own
 * rather than dist/: `npm run build` (which another test runs) empties dist/ first. Inside
 * node_modules so that the compiled files resolve their packages as dist/ would.
 */
const COMPILED = join(ROOT, 'node_modules', '.cache', 'providers-service-compiled');

export const COMPILED_MAIN = join(COMPILED, 'src', 'main.js');
export const COMPILED_IMPORT_CLI = join(COMPILED, 'src', 'world', 'import.cli.js');
export const COMPILED_GENERATE_CLI = join(COMPILED, 'src', 'world', 'generate.cli.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

let compiling: Promise<void> | undefined;

/**
 * Compiles src/ (as `npm run build` does, assets included) unless the last compile is newer
 * than every source file. A type error fails it, as it fails the build: the stamp is written
 * only after a clean compile, so no later call can skip past one.
 */
export function compileService(): Promise<void> {
  compiling ??= compile().finally(() => (compiling = undefined));
  return compiling;
}

const STAMP = join(COMPILED, '.built');

function upToDate(): boolean {
  const sources = Math.max(newestSource(join(ROOT, 'src')), statSync(join(ROOT, 'tsconfig.build.json')).mtimeMs);
  return existsSync(STAMP) && statSync(STAMP).mtimeMs > sources;
}

/**
 * One process compiles at a time (jest's workers share the folder): the others wait, then find
 * it up to date. The compile goes to a new folder that then replaces the old one, so no file is
 * ever rewritten in place, where a hard-linked copy of node_modules would share it.
 */
async function compile(): Promise<void> {
  if (upToDate()) return;
  mkdirSync(dirname(COMPILED), { recursive: true });
  await withFileLock(`${COMPILED}.lock`, async () => {
    if (upToDate()) return;
    const next = `${COMPILED}.next`;
    rmSync(next, { recursive: true, force: true });
    const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    const result = await run(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', next], {
      cwd: ROOT,
    }).then(
      () => '',
      (err: { stdout?: string }) => err.stdout ?? String(err),
    );
    if (result || !existsSync(join(next, 'src', 'main.js')))
      throw new Error(`Compiling the service failed:\n${result}`);
    // What nest-cli.json's "assets" copies next to the compiled dashboard module.
    cpSync(join(ROOT, 'src', 'dashboard', 'public'), join(next, 'src', 'dashboard', 'public'), { recursive: true });
    writeFileSync(join(next, '.built'), '');
    rmSync(COMPILED, { recursive: true, force: true });
    renameSync(next, COMPILED);
  });
}
