import { baseUrlProblem } from './base-url.js';

describe('baseUrlProblem', () => {
  it.each([
    'https://api.openai.com/v1',
    'http://localhost:11434/v1',
    'https://api.example.test/v1?api-version=2024-06-01',
    'https://example.test/v1?region=eu&model=x',
    'https://example.test/@models/v1',
  ])('accepts %s', (url) => {
    expect(baseUrlProblem(url)).toBeNull();
  });

  it.each([
    ['relative', '/v1'],
    ['no scheme', 'api.openai.com'],
    ['other scheme', 'ftp://example.test'],
    ['javascript', 'javascript:alert(1)'],
    ['data', 'data:text/plain,hi'],
    ['spaces', 'https://example.test/ v1'],
    ['leading space', ' https://example.test'],
    ['newline', 'https://example.test/\n'],
    ['not a URL', 'https://'],
  ])('rejects %s', (_, url) => {
    expect(baseUrlProblem(url)).toMatch(/must be an/);
  });

  it.each([
    'https://user:secret@example.test/v1',
    'https://user@example.test/v1',
    'https://:@example.test/v1',
    'https://example.test/v1?api_key=sk-123',
    'https://example.test/v1?x=1&API-KEY=sk-123',
    'https://example.test/v1?access_token=abc',
    'https://example.test/v1?client_secret=abc',
    'https://example.test/v1?password=abc',
    'https://example.test/v1?X-Amz-Signature=abc',
    'https://example.test/v1?Authorization=Bearer',
    'https://example.test/v1?a=1;token=abc',
    'https://example.test/v1?%6Bey=abc',
    'https://example.test/v1#access_token=abc',
  ])('rejects credentials in %s', (url) => {
    expect(baseUrlProblem(url)).toMatch(/credentials/);
  });
});
