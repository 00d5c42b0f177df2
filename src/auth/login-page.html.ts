import { escapeHtml } from '../common/escape-html.js';
import { PASSWORD_MAX_LENGTH, USERNAME_MAX_LENGTH } from './dto/login.dto.js';

export interface LoginPageModel {
  /** Where to go after signing in; already checked to be a path on this site. */
  next: string;
  username?: string;
  error?: string;
}

/**
 * The sign-in page. No inline script or style, so that the strict Content-Security-Policy it
 * is served with holds; the stylesheet is LOGIN_CSS at /login/login.css.
 */
export function renderLoginPage({ next, username = '', error }: LoginPageModel): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · Providers</title>
<link rel="stylesheet" href="/login/login.css">
</head>
<body>
<main class="card">
  <h1>Sign in</h1>
  <p class="lede">LLM providers for your team</p>
${error ? `  <p class="error" role="alert">${escapeHtml(error)}</p>\n` : ''}  <form method="post" action="/login/">
    <input type="hidden" name="next" value="${escapeHtml(next)}">
    <label for="username">Username</label>
    <input id="username" name="username" autocomplete="username" autocapitalize="none" spellcheck="false" maxlength="${USERNAME_MAX_LENGTH}" required${username ? '' : ' autofocus'} value="${escapeHtml(username)}">
    <label for="password">Password</label>
    <input id="password" name="password" type="password" autocomplete="current-password" maxlength="${PASSWORD_MAX_LENGTH}" required${username ? ' autofocus' : ''}>
    <button type="submit">Sign in</button>
  </form>
</main>
</body>
</html>
`;
}

export const LOGIN_CSS = `:root {
  color-scheme: light dark;
  --bg: #f4f5f7; --card: #fff; --text: #1d2330; --muted: #5d6577; --border: #d5d9e0;
  --accent: #2f5bd3; --accent-text: #fff; --error-bg: #fdecec; --error-text: #a01c1c;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171c; --card: #1d2129; --text: #e6e8ec; --muted: #9aa2b1; --border: #343a46;
    --accent: #5b82ea; --error-bg: #3a1d1f; --error-text: #ffb4b4;
  }
}
* { box-sizing: border-box; }
body {
  margin: 0; min-height: 100vh; display: grid; place-items: center; padding: 1.5rem;
  background: var(--bg); color: var(--text);
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
}
.card {
  width: 100%; max-width: 22rem; padding: 2rem; border: 1px solid var(--border); border-radius: 12px;
  background: var(--card); box-shadow: 0 8px 24px rgb(0 0 0 / 0.06);
}
h1 { margin: 0; font-size: 1.5rem; }
.lede { margin: 0.25rem 0 1.5rem; color: var(--muted); font-size: 0.95rem; }
form { display: grid; gap: 0.4rem; }
label { font-size: 0.9rem; font-weight: 600; margin-top: 0.6rem; }
input {
  width: 100%; padding: 0.6rem 0.75rem; font: inherit; color: inherit; background: transparent;
  border: 1px solid var(--border); border-radius: 8px;
}
input:focus { outline: 2px solid var(--accent); outline-offset: 1px; border-color: transparent; }
button {
  margin-top: 1.25rem; padding: 0.7rem; font: inherit; font-weight: 600; cursor: pointer;
  color: var(--accent-text); background: var(--accent); border: 0; border-radius: 8px;
}
button:hover { filter: brightness(1.08); }
.error {
  margin: 0 0 1rem; padding: 0.6rem 0.75rem; border-radius: 8px;
  background: var(--error-bg); color: var(--error-text); font-size: 0.9rem;
}
`;
