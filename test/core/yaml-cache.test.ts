// The parsed-YAML cache (harness/core/yaml-cache.ts): a set of files is parsed once, then read back
// from the cache file deep-equal without parsing; an edited file, a renamed one or a new one is a
// new key, whose file replaces the old one; a document JSON cannot carry exactly is never cached; a corrupt cache file is parsed
// again; TOUCHSTONE_YAML_CACHE=0 parses every time. And the real suites read from the cache give
// the same documents as a fresh parse.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { jsonExact, parseCached } from '../../harness/core/yaml-cache.ts';
import { SUITES_DIR } from '../../harness/engine/catalog.ts';

const dir = mkdtempSync(join(tmpdir(), 'touchstone-yaml-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => { vi.unstubAllEnvs(); });

const yaml = (t: string) => parse(t);
const files = [{ name: 'a.yaml', text: 'modules:\n  - id: one\n    steps: [{ do: discover }]\n' }, { name: 'b.yaml', text: 'flows: { happy: [] }\nn: 3\n' }];

describe('parseCached', () => {
  it('parses a set once, then reads it back deep-equal without parsing', () => {
    const spy = vi.fn((t: string) => parse(t));
    const first = parseCached('t1', files, spy, dir);
    expect(spy).toHaveBeenCalledTimes(2);
    const again = vi.fn((t: string) => parse(t));
    expect(parseCached('t1', files, again, dir)).toEqual(first);
    expect(again).not.toHaveBeenCalled();
    expect(first).toEqual(files.map((f) => parse(f.text)));
  });

  it('parses again when a file changes, is renamed or is added', () => {
    parseCached('t2', files, yaml, dir);
    for (const changed of [
      [files[0]!, { ...files[1]!, text: 'flows: { happy: [] }\nn: 4\n' }],
      [files[0]!, { ...files[1]!, name: 'c.yaml' }],
      [...files, { name: 'd.yaml', text: 'x: 1\n' }],
    ]) {
      const spy = vi.fn((t: string) => parse(t));
      expect(parseCached('t2', changed, spy, dir)).toEqual(changed.map((f) => parse(f.text)));
      expect(spy).toHaveBeenCalledTimes(changed.length);
      // The new file replaced the old one.
      expect(readdirSync(dir).filter((f) => f.startsWith('t2-'))).toHaveLength(1);
    }
  });

  it('never caches a document JSON cannot carry exactly', () => {
    const odd = [{ name: 'inf.yaml', text: 'limit: .inf\nneg: -0\n' }];
    parseCached('t3', odd, yaml, dir);
    const spy = vi.fn((t: string) => parse(t));
    const docs = parseCached('t3', odd, spy, dir) as { limit: number }[];
    expect(spy).toHaveBeenCalledTimes(1);
    expect(docs[0]!.limit).toBe(Infinity);
    expect(readdirSync(dir).some((f) => f.startsWith('t3-'))).toBe(false);
  });

  it('parses again when the cache file is corrupt', () => {
    parseCached('t4', files, yaml, dir);
    const file = readdirSync(dir).find((f) => f.startsWith('t4-'))!;
    writeFileSync(join(dir, file), '{"not": "an array"');
    const spy = vi.fn((t: string) => parse(t));
    expect(parseCached('t4', files, spy, dir)).toEqual(files.map((f) => parse(f.text)));
    expect(spy).toHaveBeenCalledTimes(2);
  });

  it('a parse error is thrown as it comes and caches nothing', () => {
    const bad = [{ name: 'bad.yaml', text: 'a: [1, 2\n' }];
    expect(() => parseCached('t5', bad, (t) => parse(t), dir)).toThrow();
    expect(readdirSync(dir).some((f) => f.startsWith('t5-'))).toBe(false);
  });

  it('TOUCHSTONE_YAML_CACHE=0 parses every time', () => {
    vi.stubEnv('TOUCHSTONE_YAML_CACHE', '0');
    parseCached('t6', files, yaml, dir);
    const spy = vi.fn((t: string) => parse(t));
    parseCached('t6', files, spy, dir);
    expect(spy).toHaveBeenCalledTimes(2);
    expect(readdirSync(dir).some((f) => f.startsWith('t6-'))).toBe(false);
  });

  it('the real suites read back from the cache equal a fresh parse', () => {
    const suites = readdirSync(SUITES_DIR).filter((f) => f.endsWith('.yaml')).sort().map((name) => ({ name, text: readFileSync(join(SUITES_DIR, name), 'utf8') }));
    parseCached('suites', suites, yaml, dir);
    const spy = vi.fn((t: string) => parse(t));
    expect(parseCached('suites', suites, spy, dir)).toEqual(suites.map((f) => parse(f.text)));
    expect(spy).not.toHaveBeenCalled();
  });
});

describe('jsonExact', () => {
  it.each([[{ a: [1, 'x', true, null, { b: 2.5 }] }, true], [{ a: NaN }, false], [[Infinity], false], [{ a: undefined }, false], [new Date(0), false], [-0, false], [new Map(), false]])('%o -> %s', (v, ok) => {
    expect(jsonExact(v)).toBe(ok);
  });
});
