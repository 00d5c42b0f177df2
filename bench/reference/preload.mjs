// The answers the reference servers serve from memory: for each user named in
// PRELOAD_USERNAMES, the body the baseline would build (the service's own read query, from
// the build), computed once at start-up. What the servers then measure is the request path
// alone, around an answer that is already there: the physical limit of a cached answer.
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';

const USER_SQL = 'SELECT id, is_superuser, is_active FROM users WHERE username = ANY($1)';

/** Map user id -> the answer's bytes, for the active users among `usernames`. */
export async function preloadAnswers({ databaseUrl, dist, usernames }) {
  const fromDist = (path) => import(pathToFileURL(join(dist, 'src', path)).href);
  const { NO_ACCESS, readScope } = await fromDist('permissions/access-scopes.js');
  const { miniListQuery } = await fromDist('providers/providers.repository.js');
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const answers = new Map();
    const { rows } = await client.query(USER_SQL, [usernames]);
    for (const row of rows) {
      if (!row.is_active) continue;
      const scope = readScope({ id: row.id, isSuperuser: row.is_superuser, isActive: row.is_active });
      let providers = [];
      if (scope !== NO_ACCESS) {
        const { sql, params } = miniListQuery(scope);
        providers = (await client.query(sql, params)).rows;
      }
      answers.set(row.id, Buffer.from(JSON.stringify({ providers })));
    }
    return answers;
  } finally {
    await client.end();
  }
}

/** The settings both reference servers read, as the bench passes them. */
export function settingsFromEnv(env = process.env) {
  return {
    port: Number(env.PORT),
    secret: env.JWT_SECRET,
    issuer: env.JWT_ISSUER ?? 'providers-service',
    audience: env.JWT_AUDIENCE ?? 'providers-service',
    databaseUrl: env.DATABASE_URL,
    dist: env.SERVICE_DIST,
    usernames: (env.PRELOAD_USERNAMES ?? '').split(',').filter(Boolean),
  };
}
