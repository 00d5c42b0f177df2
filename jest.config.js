// Jest runs the TypeScript sources as native ES modules (the @nestjs/* 12 packages are ESM-only),
// compiled by SWC with the legacy decorators and metadata that NestJS and TypeORM rely on.
// ESM-only packages that CommonJS dependencies require() (Node's require(esm)), which Jest's
// module loader cannot do on Node 20: compiled to CommonJS for the tests only.
const requiredEsm = [
  'content-disposition',
  'cookie',
  'set-cookie-parser',
  'toad-cache',
  'lru-cache',
  'libphonenumber-js',
  'file-type',
  'strtok3',
  'token-types',
  '@tokenizer/inflate',
  '@borewit/text-codec',
  'uint8array-extras',
  '@standard-schema/spec',
]
  .map((name) => name.replace('/', '\\/'))
  .join('|');

const swc = {
  jsc: {
    parser: { syntax: 'typescript', decorators: true },
    transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
    target: 'es2022',
  },
  module: { type: 'es6' },
  sourceMaps: 'inline',
};

export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', swc],
    [`/node_modules/(${requiredEsm})/.+\\.js$`]: ['@swc/jest', { module: { type: 'commonjs' } }],
  },
  transformIgnorePatterns: [`/node_modules/(?!(${requiredEsm})/)`],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/src/**/*.spec.ts', '<rootDir>/test/**/*.e2e-spec.ts'],
  // The migrated database that each test file's database is cloned from (test/support/test-database.ts).
  globalSetup: '<rootDir>/test/support/global-setup.ts',
  globalTeardown: '<rootDir>/test/support/global-teardown.ts',
  testTimeout: 60_000,
};
