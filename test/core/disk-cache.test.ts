// The cache files' writer (harness/core/disk-cache.ts): a group's new file replaces its older ones,
// and only those (another group, another extension, a file of a name that only starts alike stay);
// a directory that cannot be made is a false, not an error.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheFile, writeCacheFile } from '../../harness/core/disk-cache.ts';

const dir = mkdtempSync(join(tmpdir(), 'touchstone-disk-cache-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const key = (c: string) => c.repeat(64);

describe('writeCacheFile', () => {
  it('replaces the group\'s older files and leaves everything else', () => {
    const keep = ['plan-x-' + key('a') + '.cjs', 'steps-' + key('a') + '.cjs', 'plan-' + key('a') + '.json', 'plan-notes.txt'];
    for (const f of keep) writeFileSync(join(dir, f), 'x');
    expect(writeCacheFile(dir, 'plan', key('a'), '.cjs', 'first')).toBe(true);
    expect(writeCacheFile(dir, 'plan', key('b'), '.cjs', 'second')).toBe(true);
    expect(readdirSync(dir).sort()).toEqual([...keep, `plan-${key('b')}.cjs`].sort());
    expect(readFileSync(cacheFile(dir, 'plan', key('b'), '.cjs'), 'utf8')).toBe('second');
  });

  it('is false, and throws nothing, when the directory cannot be made', () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, 'x');
    expect(writeCacheFile(join(file, 'sub'), 'plan', key('c'), '.cjs', 'x')).toBe(false);
  });
});
