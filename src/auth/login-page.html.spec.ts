import { renderLoginPage } from './login-page.html.js';

describe('the login page escapes what it echoes', () => {
  it('escapes next, username and the error', () => {
    const html = renderLoginPage({
      next: '/"><script>a()</script>',
      username: `<img src=x onerror='b()'>`,
      error: '<b>&',
    });
    expect(html).not.toMatch(/<script|<img|<b>/);
    expect(html).toContain('value="/&#34;&#62;&#60;script&#62;a()&#60;/script&#62;"');
  });
});
