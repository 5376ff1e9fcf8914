// Compiled JSON-schema validators kept on disk. Each process used to compile the same schemas with
// ajv at start (the plan schema, the step kinds' `with` schemas, the response schemas: about a third
// of a second of CPU in the CLI and again in each vitest worker). A group of schemas is compiled once
// into ajv's standalone code and kept in node_modules/.cache/touchstone-ajv/<name>-<key>.cjs, where
// the key is a SHA-256 over ajv's (and ajv-formats') version, the options, the schemas and the
// exported refs, so a changed schema or option is a new file. On a hit the file is required and ajv
// itself is never loaded; on a miss ajv compiles the group, the file is written (temp file, then
// rename; a failed write is ignored) and the live functions are returned. Standalone code gives the
// same errors as the live functions (verbose errors embed the schema objects as JSON).
// TOUCHSTONE_AJV_CACHE=0 turns the cache off; TOUCHSTONE_AJV_CACHE_DIR moves it.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { ValidateFunction } from 'ajv';
import { cacheFile, writeCacheFile } from './disk-cache.ts';

/** One group of schemas compiled together into one cache file. */
export interface ValidatorGroup<K extends string> {
  /** The cache file's name prefix, e.g. `plan`. */
  name: string;
  /** ajv options (without `code`). */
  options: Record<string, unknown>;
  /** Add ajv-formats (its formats are required by the generated code). */
  formats?: boolean;
  /** The schemas, each added to ajv under its id (ajv.addSchema(schema, id)). */
  schemas: readonly { id: string; schema: object }[];
  /** The validators to build: export name -> the id or ref ajv resolves (ajv.getSchema). */
  exports: Record<K, string>;
  /** The cache directory (absent: TOUCHSTONE_AJV_CACHE_DIR, else node_modules/.cache/touchstone-ajv). */
  cacheDir?: string;
}

export interface CompiledGroup<K extends string> {
  validators: Record<K, ValidateFunction>;
  /** `cache`: loaded from the file; `compiled`: compiled by ajv (and the file written when it could be); `off`: the cache is off. */
  from: 'cache' | 'compiled' | 'off';
  /** The cache file (absent when the cache is off). */
  file?: string;
}

/** Bumped when the file layout below changes. */
const LAYOUT = 1;
const ROOT = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);

function versionOf(pkg: string): string {
  return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version: string }).version;
}

/** The cache key of a group: changes with ajv, ajv-formats, the options, the schemas and the refs. */
export function groupKey(group: ValidatorGroup<string>): string {
  const h = createHash('sha256');
  h.update(JSON.stringify({ layout: LAYOUT, ajv: versionOf('ajv'), formats: group.formats ? versionOf('ajv-formats') : null, options: group.options, schemas: group.schemas, exports: group.exports }));
  return h.digest('hex');
}

function cacheDir(group: ValidatorGroup<string>): string {
  return group.cacheDir ?? process.env.TOUCHSTONE_AJV_CACHE_DIR ?? join(ROOT, 'node_modules', '.cache', 'touchstone-ajv');
}

type AjvInstance = {
  addSchema(schema: object, key: string): unknown;
  getSchema(ref: string): ValidateFunction | undefined;
};

// ajv and ajv-formats are CommonJS with `exports.default`; loaded only on a miss.
function newAjv(group: ValidatorGroup<string>, source: boolean): AjvInstance {
  const mod = require('ajv/dist/2020.js') as { default: new (opts: object) => AjvInstance };
  const ajv = new mod.default({ ...group.options, ...(source ? { code: { source: true } } : {}) });
  if (group.formats) (require('ajv-formats') as { default: (ajv: AjvInstance) => void }).default(ajv);
  for (const { id, schema } of group.schemas) ajv.addSchema(schema, id);
  return ajv;
}

function compileAll<K extends string>(ajv: AjvInstance, group: ValidatorGroup<K>): Record<K, ValidateFunction> {
  const out = {} as Record<K, ValidateFunction>;
  for (const [name, ref] of Object.entries(group.exports) as [K, string][]) {
    const v = ajv.getSchema(ref);
    if (!v) throw new Error(`no schema with id ${ref} in validator group "${group.name}"`);
    out[name] = v;
  }
  return out;
}

/** The validators of a group: from the cache file when it is there, else compiled by ajv (and cached). */
export function compileGroup<K extends string>(group: ValidatorGroup<K>): CompiledGroup<K> {
  if (process.env.TOUCHSTONE_AJV_CACHE === '0' && !group.cacheDir) return { validators: compileAll(newAjv(group, false), group), from: 'off' };
  const key = groupKey(group);
  const file = cacheFile(cacheDir(group), group.name, key, '.cjs');
  try {
    // The file exports a factory given our require, so the runtime modules it needs (ajv/dist/runtime/*,
    // ajv-formats/dist/formats) resolve from here wherever the cache directory is.
    const factory = require(file) as (req: NodeJS.Require) => Record<string, ValidateFunction>;
    const loaded = factory(require);
    if (Object.keys(group.exports).every((k) => typeof loaded[k] === 'function')) return { validators: loaded as Record<K, ValidateFunction>, from: 'cache', file };
  } catch {
    // missing or unreadable: compile below
  }
  const ajv = newAjv(group, true);
  const validators = compileAll(ajv, group);
  try {
    const standalone = require('ajv/dist/standalone/index.js') as { default: (ajv: unknown, refs: Record<string, string>) => string };
    const code = standalone.default(ajv, group.exports);
    const text = `// Generated by harness/core/precompiled.ts (validator group "${group.name}"): a cache, do not edit.\n"use strict";\nmodule.exports = function (require) {\nconst exports = {};\n${code}\nreturn exports;\n};\n`;
    writeCacheFile(cacheDir(group), group.name, key, '.cjs', text);
  } catch {
    // a cache that cannot be written: the live validators still work
  }
  return { validators, from: 'compiled', file };
}
