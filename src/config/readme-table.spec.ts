import { readFileSync } from 'node:fs';
import { settingNames } from './app-config.js';

/** The variables named in the first column of the README's configuration table. */
function documentedSettings(): string[] {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^### Configuration$/m)[1]?.split(/^#{1,3} /m)[0] ?? '';
  const firstCells = section
    .split('\n')
    .filter((line) => line.startsWith('| `'))
    .map((line) => line.split('|')[1]);
  return firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z0-9_]+)`/g)].map((match) => match[1]));
}

describe("the README's configuration table", () => {
  it('lists every setting, and only settings', () => {
    const documented = documentedSettings();
    expect(documented.length).toBeGreaterThan(0);
    expect([...documented].sort()).toEqual([...settingNames()].sort());
  });
});
