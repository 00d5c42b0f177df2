/**
 * Signs each user in through POST /auth/login with the generated password (`pw-<username>`),
 * two at a time: the service checks passwords two at a time anyway, and the throttle counts
 * only failures, so honest sign-ins are never refused. Returns Map username -> token.
 */
export async function signIn(baseUrl, usernames) {
  const tokens = new Map();
  const queue = [...usernames];
  const worker = async () => {
    for (let username = queue.shift(); username !== undefined; username = queue.shift()) {
      const response = await fetch(`${baseUrl}/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password: `pw-${username}` }),
      });
      const body = await response.json().catch(() => ({}));
      if (response.status !== 200 || typeof body.access_token !== 'string') {
        throw new Error(`sign-in of ${username} failed: ${response.status} ${JSON.stringify(body)}`);
      }
      tokens.set(username, body.access_token);
    }
  };
  await Promise.all([worker(), worker()]);
  return tokens;
}
