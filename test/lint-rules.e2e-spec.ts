import { ESLint } from 'eslint';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/**
 * The project's own ESLint config on a file that does not exist, importing files that do: the
 * layer and cycle rules judge it against the real src/. The type-aware rules are left out, as
 * they need the file to be part of the TypeScript project.
 */
async function importProblems(path: string, specifier: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: ROOT,
    overrideConfig: {
      files: ['**/*.ts'],
      languageOptions: { parserOptions: { projectService: false } },
      rules: {
        '@typescript-eslint/no-floating-promises': 'off',
        '@typescript-eslint/no-misused-promises': 'off',
        '@typescript-eslint/await-thenable': 'off',
      },
    },
  });
  const code = `import * as imported from '${specifier}';\nexport const probe = imported;\n`;
  const [result] = await eslint.lintText(code, { filePath: `${ROOT}/${path}` });
  return result.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('the lint rules on imports between the folders of src/', () => {
  it('allows an import down the layers', async () => {
    await expect(importProblems('src/providers/probe.ts', '../permissions/permissions.service.js')).resolves.toEqual(
      [],
    );
  });

  it('allows an import sideways inside a layer that closes no cycle', async () => {
    await expect(importProblems('src/health/probe.ts', '../providers/providers.service.js')).resolves.toEqual([]);
  });

  it('refuses an import up the layers, and names the cycle it closes', async () => {
    const problems = await importProblems('src/common/probe.ts', '../dashboard/dashboard-page.js');
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^boundaries\/dependencies: .*"infrastructure" to elements of type "feature"/),
        'local/no-folder-cycles: This import from common/ into dashboard/ closes a cycle between folders: common → dashboard → common.',
      ]),
    );
  });

  it('refuses an import of an entry file from inside a layer', async () => {
    const problems = await importProblems('src/providers/probe.ts', '../app.module.js');
    expect(problems).toEqual([expect.stringMatching(/^boundaries\/no-unknown-dependencies: /)]);
  });
});
