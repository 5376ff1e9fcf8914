// The Allure HTML builder child (harness/reporters/allure-html.ts), on its own: it writes
// html/index.html from a run dir's allure-results, and when it cannot, the error names what the
// generator said (its last line), not only its exit code.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { htmlBuilder } from '../../harness/reporters/allure-html.ts';
import { tempDir } from './helpers.ts';

describe('htmlBuilder', () => {
  test('writes html/index.html from the results', async () => {
    const dir = tempDir('touchstone-html-');
    mkdirSync(join(dir, 'allure-results'));
    const index = await htmlBuilder().build(dir, 'html-test');
    expect(index).toBe(join(dir, 'html', 'index.html'));
    expect(existsSync(index)).toBe(true);
  }, 60_000);

  test('a report it cannot write: the error carries the generator\'s own words', async () => {
    const dir = tempDir('touchstone-html-');
    mkdirSync(join(dir, 'allure-results'));
    writeFileSync(join(dir, 'html'), 'a file where the report directory goes');
    await expect(htmlBuilder().build(dir, 'html-test')).rejects.toThrow(/^the Allure report generator exited 1: .*EEXIST.*html/);
  }, 60_000);
});
