// Parsed YAML kept on disk as JSON. Every run's CLI parsed the same suites/*.yaml (about 270 KB,
// 0.2 s of CPU on the run's critical path: the provider starts once the plan's modules are known).
// A set of files is parsed once and kept in node_modules/.cache/touchstone-yaml/<name>-<key>.json,
// where the key is a SHA-256 over the yaml package's version and every file's name and text, so an
// edited file is a new key (and the old file is removed: core/disk-cache.ts). Only the parse is cached: the caller checks the documents as before.
// A document JSON cannot carry exactly (a NaN, an Infinity, a date, an undefined) is never cached.
// TOUCHSTONE_YAML_CACHE=0 turns the cache off.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { cacheFile, writeCacheFile } from './disk-cache.ts';

const LAYOUT = 1;
const require = createRequire(import.meta.url);
const DIR = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'touchstone-yaml');

/** True when JSON.parse(JSON.stringify(v)) gives v back, deep-equal. */
export function jsonExact(v: unknown, depth = 0): boolean {
  if (depth > 200) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
  if (Array.isArray(v)) return v.every((x) => jsonExact(x, depth + 1));
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    return Object.entries(v as Record<string, unknown>).every(([k, x]) => k !== '__proto__' && jsonExact(x, depth + 1));
  }
  return false;
}

/**
 * The parsed documents of `files` (name -> text), in the same order: from the cache file when its
 * key matches, else by `parse` (one file at a time; a parse error is thrown as it comes, nothing cached).
 */
export function parseCached(name: string, files: readonly { name: string; text: string }[], parse: (text: string, name: string) => unknown, dir = DIR): unknown[] {
  const parseAll = () => files.map((f) => parse(f.text, f.name));
  if (process.env.TOUCHSTONE_YAML_CACHE === '0') return parseAll();
  const h = createHash('sha256');
  h.update(JSON.stringify({ layout: LAYOUT, yaml: (require('yaml/package.json') as { version: string }).version }));
  for (const f of files) h.update(`\0${f.name}\0${f.text.length}\0${f.text}`);
  const key = h.digest('hex');
  const file = cacheFile(dir, name, key, '.json');
  try {
    const docs = JSON.parse(readFileSync(file, 'utf8')) as unknown;
    if (Array.isArray(docs) && docs.length === files.length) return docs;
  } catch {
    // missing or unreadable: parse below
  }
  const docs = parseAll();
  if (jsonExact(docs)) writeCacheFile(dir, name, key, '.json', JSON.stringify(docs));
  return docs;
}
