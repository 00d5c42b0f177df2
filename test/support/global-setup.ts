import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * Once per jest run, before any test file, in jest's own process: names the run's databases, for
 * test-database.ts in the test files (which run here or in workers started afterwards, and so
 * see this environment). jest loads this file as CommonJS, where the sources' `.js` imports do not
 * resolve: it imports nothing of the project, and the test files make the template themselves.
 */
export default function globalSetup(): void {
  // A pid is only meaningful on the host that gave it, and other machines (or containers) may
  // share the PostgreSQL server: each name carries this host's tag and the pid of its process.
  const hostTag = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
  process.env.PROVIDERS_TEST_HOST_TAG = hostTag;
  process.env.PROVIDERS_TEST_TEMPLATE = `providers_test_${hostTag}_${process.pid}_template`;
}
