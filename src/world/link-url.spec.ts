import { linkUrlProblem, testPathProblem } from './base-url.js';

describe('provider links and the connectivity test path', () => {
  it.each([
    ['https://openai.com', null],
    ['https://docs.example/a?b=c', null],
    ['https://x.example/#terms', 'must not contain a fragment (#…)'],
    ['https://x.example/#', 'must not contain a fragment (#…)'],
    ['https://u:p@x.example', expect.stringContaining('credentials')],
    ['mailto:a@b.example', expect.stringContaining('http or https')],
  ])('link %j: %p', (value, problem) => {
    expect(linkUrlProblem(value)).toEqual(problem);
  });

  it.each([
    ['models', null],
    ['v1/models?limit=1', null],
    ['', null],
    ['https://elsewhere.example/models', expect.stringContaining('relative')],
    ['//elsewhere.example/models', expect.stringContaining('relative')],
    ['../admin', expect.stringContaining('..')],
    ['models/../../admin', expect.stringContaining('..')],
    ['models#x', expect.stringContaining('fragment')],
    ['mod els', expect.stringContaining('spaces')],
  ])('test path %j: %p', (value, problem) => {
    expect(testPathProblem(value)).toEqual(problem);
  });
});
