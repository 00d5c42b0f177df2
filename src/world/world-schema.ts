/**
 * The shape of a world file (version 1) as JSON Schema. Rules that a schema cannot say
 * (uniqueness, references between sections, URL rules, database limits) live in
 * world-validation.ts. docs/world-format.md is the prose version of both; keep them in step.
 */
export const WORLD_SCHEMA = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  $id: 'providers-service/world-v1',
  title: 'World file, version 1',
  type: 'object',
  additionalProperties: false,
  required: ['version', 'accounts', 'users', 'providers'],
  properties: {
    version: { const: 1 },
    accounts: { type: 'array', items: { $ref: '#/$defs/account' } },
    users: { type: 'array', items: { $ref: '#/$defs/user' } },
    providers: { type: 'array', items: { $ref: '#/$defs/provider' } },
  },
  $defs: {
    accountNumber: { type: 'string', minLength: 1 },
    account: {
      type: 'object',
      additionalProperties: false,
      required: ['accountNumber', 'name'],
      properties: {
        accountNumber: { $ref: '#/$defs/accountNumber' },
        name: { type: 'string' },
        isPlatform: { type: 'boolean' },
      },
    },
    user: {
      type: 'object',
      additionalProperties: false,
      required: ['username', 'password'],
      properties: {
        username: { type: 'string', minLength: 1 },
        email: { type: 'string' },
        password: { type: 'string' },
        isSuperuser: { type: 'boolean' },
        isStaff: { type: 'boolean' },
        isActive: { type: 'boolean' },
        accounts: { type: 'array', uniqueItems: true, items: { $ref: '#/$defs/accountNumber' } },
      },
    },
    provider: {
      type: 'object',
      additionalProperties: false,
      required: ['name', 'owner'],
      properties: {
        name: { type: 'string', minLength: 1 },
        baseUrl: { type: ['string', 'null'] },
        description: { type: 'string' },
        isActive: { type: 'boolean' },
        isVerified: { type: 'boolean' },
        defaultModel: { type: 'string' },
        connectivityTestPath: { type: 'string' },
        websiteUrl: { type: ['string', 'null'] },
        docsUrl: { type: ['string', 'null'] },
        termsOfServiceUrl: { type: ['string', 'null'] },
        privacyPolicyUrl: { type: ['string', 'null'] },
        contactEmail: { type: ['string', 'null'] },
        supportEmail: { type: ['string', 'null'] },
        status: { enum: ['unverified', 'verifying', 'verified', 'failed', 'suspended', 'deprecated'] },
        isFeatured: { type: 'boolean' },
        isDefault: { type: 'boolean' },
        owner: {
          type: 'object',
          additionalProperties: false,
          required: ['username', 'accountNumber'],
          properties: {
            username: { type: 'string', minLength: 1 },
            accountNumber: { $ref: '#/$defs/accountNumber' },
          },
        },
      },
    },
  },
} as const;
