// The browser tests (test/browser/*.browser-spec.ts): the same compilation as jest.config.js,
// but only these files, which need Chromium at /usr/bin/chromium. `npm test` never matches them.
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/browser/**/*.browser-spec.ts'],
  testTimeout: 120_000,
};
