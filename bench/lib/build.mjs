import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

/**
 * Builds the project (`npm run build`) and copies dist/ to bench/.work/<run>/dist, from
 * which every server and CLI of this run is started. `nest build` deletes dist/ first, so
 * anyone rebuilding the tree during a run (a test, a colleague) would otherwise pull files
 * from under the running servers. The copy stays inside the repository so that its imports
 * still find node_modules/ by walking up.
 */
export function buildSnapshot(root, log) {
  const started = Date.now();
  log('Building the service (npm run build)...');
  try {
    execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    throw new Error(`npm run build failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
  const workDir = join(root, 'bench', '.work', `run-${process.pid}`);
  mkdirSync(workDir, { recursive: true });
  const dist = join(workDir, 'dist');
  cpSync(join(root, 'dist'), dist, { recursive: true });
  log(`Built in ${((Date.now() - started) / 1000).toFixed(0)} s; running from ${dist}`);
  return { dist, remove: () => rmSync(workDir, { recursive: true, force: true }) };
}
