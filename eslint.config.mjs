import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import boundaries from 'eslint-plugin-boundaries';
import globals from 'globals';
import tseslint from 'typescript-eslint';
import { noFolderCycles } from './eslint/no-folder-cycles.mjs';

// The layers of src/ (README, "Layout"), top to bottom: an import runs down, or sideways inside
// one layer, never up. The entry files directly in src/ (main.ts, app.module.ts…) sit above
// them all: they may import any layer, and no layer may import them.
const layers = [
  { type: 'feature', folders: ['providers', 'passthrough', 'dashboard', 'health', 'world'] },
  { type: 'core', folders: ['auth', 'permissions', 'users', 'accounts'] },
  { type: 'infrastructure', folders: ['database', 'egress', 'jobs', 'secrets', 'observability', 'config', 'common'] },
];

export default tseslint.config(
  { ignores: ['dist/', 'coverage/', 'test-artifacts/', 'bench/.work/'] },

  js.configs.recommended,
  ...tseslint.configs.recommended,

  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // The type-aware checks that find real bugs (a promise nobody awaits, or one handed to a
      // callback that ignores it) without flagging the untyped rows that pg hands back.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/await-thenable': 'error',
    },
  },

  {
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' },
      ],
      // The validators match control characters on purpose (to refuse them, or to strip
      // terminal colours from a child's output); an accidental one is rare enough.
      'no-control-regex': 'off',
    },
  },

  {
    files: ['src/**/*.ts'],
    plugins: { boundaries, local: { rules: { 'no-folder-cycles': noFolderCycles } } },
    settings: {
      'boundaries/elements': layers.map(({ type, folders }) => ({ type, pattern: `src/{${folders.join(',')}}` })),
      'import/resolver': { typescript: { project: './tsconfig.json' } },
    },
    rules: {
      'boundaries/dependencies': [
        'error',
        {
          default: 'disallow',
          policies: layers.map(({ type }, index) => ({
            from: { element: { type } },
            allow: { to: { element: { types: { anyOf: layers.slice(index).map((layer) => layer.type) } } } },
          })),
        },
      ],
      'local/no-folder-cycles': ['error', { root: `${import.meta.dirname}/src` }],
    },
  },
  {
    // Inside the layers, an import of a file that is in none is an import of an entry file
    // (upwards), and a folder that is in none has yet to be given its layer above. Specs may
    // also use test/support.
    files: ['src/*/**/*.ts'],
    ignores: ['src/**/*.spec.ts'],
    rules: { 'boundaries/no-unknown-dependencies': 'error', 'boundaries/no-unknown-files': 'error' },
  },

  {
    files: ['src/**/*.spec.ts', 'test/**/*.ts'],
    languageOptions: { globals: { ...globals.node, ...globals.jest } },
  },
  {
    files: ['**/*.mjs', '**/*.js', 'bench/**/*.ts', 'scripts/**'],
    languageOptions: { globals: globals.node },
  },
  {
    files: ['src/dashboard/public/**/*.js'],
    languageOptions: { globals: globals.browser },
  },

  prettier,
);
