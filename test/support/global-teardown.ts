import pg from 'pg';

/** Once per jest run, after every test file: drops the run's template database (see global-setup.ts). */
export default async function globalTeardown(): Promise<void> {
  const template = process.env.PROVIDERS_TEST_TEMPLATE;
  if (!template?.includes('_test_')) return;
  const admin = new pg.Client({
    connectionString: process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    connectionTimeoutMillis: 3000,
  });
  // No server (the embedded fallback): there is no template either.
  if (
    !(await admin.connect().then(
      () => true,
      () => false,
    ))
  )
    return;
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${template} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
