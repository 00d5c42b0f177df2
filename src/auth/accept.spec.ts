import { prefersHtml } from './accept.js';

describe('prefersHtml (redirect a browser, 401 anything else)', () => {
  it.each([
    ['text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8', true], // Firefox, Chrome
    ['text/html', true],
    ['text/*', true],
    ['TEXT/HTML;q=0.9, application/json;q=0.5', true],
    [undefined, false],
    ['', false],
    ['*/*', false], // curl, fetch()
    ['application/json', false],
    ['application/json, text/html', false],
    ['text/html;q=0.5, application/json', false],
    ['text/html;q=0, */*', false],
    ['text/html;q=abc', false],
    ['garbage,,;;==', false],
  ])('%j → %s', (accept, expected) => {
    expect(prefersHtml(accept)).toBe(expected);
  });
});
