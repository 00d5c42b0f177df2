import type { TestApp } from './test-app.js';

export interface Session {
  /** The access token, for `Authorization: Bearer`. */
  token: string;
  /** A Cookie header carrying both session cookies, as a browser would send it. */
  cookies: string;
  /** The csrftoken cookie's value, for the X-CSRF-Token / X-CSRFToken header. */
  csrf: string;
  /** Headers for a bearer-authenticated request. */
  bearer: { authorization: string };
  /** Headers for a cookie-authenticated request, CSRF header included (what the dashboard app sends). */
  browser: { cookie: string; 'x-csrf-token': string };
}

/**
 * Signs in through POST /auth/login (users made by Factories have the password `pw-<username>`)
 * and returns what a test needs to make authenticated requests either way.
 */
export async function loginAs(t: TestApp, username: string, password = `pw-${username}`): Promise<Session> {
  const res = await t.inject({ method: 'POST', url: '/auth/login', payload: { username, password } });
  if (res.statusCode !== 200) {
    throw new Error(`Signing in as ${username} failed: ${res.statusCode} ${res.body}`);
  }
  const token: string = res.json().access_token;
  const jar = cookiesOf(res.headers['set-cookie']);
  const cookies = `access_token=${jar.access_token}; csrftoken=${jar.csrftoken}`;
  return {
    token,
    cookies,
    csrf: jar.csrftoken,
    bearer: { authorization: `Bearer ${token}` },
    browser: { cookie: cookies, 'x-csrf-token': jar.csrftoken },
  };
}

/** name → value of the cookies a response sets (attributes dropped). */
export function cookiesOf(setCookie: string | string[] | undefined): Record<string, string> {
  const jar: Record<string, string> = {};
  for (const line of ([] as string[]).concat(setCookie ?? [])) {
    const [pair] = line.split(';');
    const eq = pair.indexOf('=');
    jar[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return jar;
}
