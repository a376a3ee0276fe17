import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { serviceSettings } from '@import-jobs/application/config/service-config';

describe("README's configuration table", () => {
  const readme = readFileSync(join(__dirname, '../../README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('## Configuration'), readme.indexOf('\n## ', readme.indexOf('## Configuration') + 1));
  const rows = section.split('\n').filter((line) => line.startsWith('| `'));

  it.each([...serviceSettings.required, ...serviceSettings.optional])('names %s with its default', (name) => {
    const row = rows.find((line) => line.split('|')[1]!.includes(`\`${name}\``));
    expect(row).toBeDefined();
    expect(row!.split('|')[2]!.trim()).not.toBe('');
  });

  it('marks exactly the settings without a default as required', () => {
    const required = rows.filter((line) => line.split('|')[2]!.includes('(required)')).flatMap((line) => line.split('|')[1]!.match(/[A-Z][A-Z0-9_]+/g) ?? []);
    expect(required.sort()).toEqual([...serviceSettings.required].sort());
  });
});
