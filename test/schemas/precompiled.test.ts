// The validator cache (harness/core/precompiled.ts): a group built twice in a temp cache dir is
// compiled by ajv once, then loaded from the file without ajv compiling anything, and both give the
// same verdicts and the same `errors` (deep-equal, verbose parentSchema included) for bad inputs; a
// changed schema, option or ajv setup is a new key, whose file replaces the old one; a cache that
// cannot be written or read still works.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { compileGroup, groupKey, type ValidatorGroup } from '../../harness/core/precompiled.ts';
import { PLAN_VALIDATORS } from '../../harness/plan/validate.ts';
import { STEP_VALIDATORS } from '../../harness/engine/steps/index.ts';
import { responseValidators } from '../../harness/schemas/validate.ts';

const dir = mkdtempSync(join(tmpdir(), 'touchstone-ajv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// ajv's one compile entry (compile, getSchema and standalone all reach it), from the same module
// instance precompiled.ts loads.
const AjvCore = createRequire(import.meta.url)('ajv/dist/core.js').default as { prototype: { _compileSchemaEnv: (...a: unknown[]) => unknown } };

const CASES: [string, ValidatorGroup<string>, Record<string, unknown[]>][] = [
  ['plan', PLAN_VALIDATORS, {
    $root: [{ name: 1, provider: { issuer: 'not a url' }, bogus: true }, [], { name: 'p', clients: [{ role: 3 }] }],
    module: [{ id: 3, steps: 'x' }, { id: 'm', steps: [{ kind: 'authorize', with: 3, extra: 1 }] }],
    step: [{ kind: 7, goto: 'x' }, null],
  }],
  ['steps', STEP_VALIDATORS, {
    authorize: [{ pcke: 'plain', client: 3, params: 'x' }, { request_object: { nope: 1 } }],
    token: [{ dpop: 'yes', auth_time: { after: 3 } }],
    race: [{}],
  }],
  ['responses', responseValidators(), {
    discovery: [{ issuer: 3, jwks_uri: 'nope', response_types_supported: 'code', extra: 1 }, { issuer: 'https://op' }],
    jwks: [{ keys: [{}] }, { keys: 'x' }],
    'token-response': [{ token_type: 5 }],
  }],
];

describe.each(CASES)('the %s validators', (name, group, bad) => {
  const inDir = { ...group, cacheDir: dir };

  it('are compiled once, then loaded from the file without ajv, with the same errors', () => {
    const compile = vi.spyOn(AjvCore.prototype, '_compileSchemaEnv');
    try {
      const first = compileGroup(inDir);
      expect(first.from).toBe('compiled');
      expect(compile).toHaveBeenCalled();
      expect(first.file).toBe(join(dir, `${name}-${groupKey(group)}.cjs`));
      expect(existsSync(first.file!)).toBe(true);
      expect(statSync(first.file!).mode & 0o777).toBe(0o644 & ~process.umask());
      compile.mockClear();
      const second = compileGroup(inDir);
      expect(second.from).toBe('cache');
      expect(compile).not.toHaveBeenCalled();
      expect(Object.keys(second.validators).sort()).toEqual(Object.keys(group.exports).sort());
      for (const [ref, values] of Object.entries(bad)) {
        for (const value of values) {
          const a = first.validators[ref], b = second.validators[ref];
          expect(a(value), `${ref}: ${JSON.stringify(value)}`).toBe(false);
          expect(b(value)).toBe(false);
          expect(b.errors!.length).toBeGreaterThan(0);
          expect(b.errors).toEqual(a.errors);
          if (group.options.verbose) expect(b.errors!.every((e) => typeof e.parentSchema === 'object')).toBe(true);
        }
      }
    } finally {
      compile.mockRestore();
    }
  });
});

describe('the cache key', () => {
  const steps = STEP_VALIDATORS;
  it('is stable, and changes with a schema, an option or an export', () => {
    expect(groupKey(steps)).toBe(groupKey({ ...steps, schemas: steps.schemas.map((s) => ({ ...s })) }));
    const changed = steps.schemas.map((s, i) => (i === 0 ? { ...s, schema: { ...s.schema, required: ['checks'] } } : s));
    expect(groupKey({ ...steps, schemas: changed })).not.toBe(groupKey(steps));
    expect(groupKey({ ...steps, options: { ...steps.options, verbose: false } })).not.toBe(groupKey(steps));
    expect(groupKey({ ...steps, exports: { discover: 'touchstone:step:discover' } })).not.toBe(groupKey(steps));
    expect(groupKey({ ...steps, formats: true })).not.toBe(groupKey(steps));
  });

  it('names a new file for a changed schema, which is compiled there', () => {
    const group: ValidatorGroup<'v'> = { name: 'tiny', options: { allErrors: true }, schemas: [{ id: 'touchstone:test:v', schema: { type: 'object', required: ['a'] } }], exports: { v: 'touchstone:test:v' }, cacheDir: dir };
    const a = compileGroup(group);
    const changed = { ...group, schemas: [{ id: 'touchstone:test:v', schema: { type: 'object', required: ['b'] } }] };
    const b = compileGroup(changed);
    expect(b.from).toBe('compiled');
    expect(b.file).not.toBe(a.file);
    expect(compileGroup(changed).validators.v({ a: 1 })).toBe(false);
    // The new file replaced the old one: the group keeps one file.
    expect(readdirSync(dir).filter((f) => f.startsWith('tiny-'))).toEqual([b.file!.split('/').pop()]);
    expect(compileGroup(group).validators.v({ a: 1 })).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith('tiny-'))).toEqual([a.file!.split('/').pop()]);
  });
});

describe('a cache that cannot be used', () => {
  const group: ValidatorGroup<'v'> = { name: 'tiny', options: { allErrors: true }, schemas: [{ id: 'touchstone:test:w', schema: { type: 'string' } }], exports: { v: 'touchstone:test:w' } };

  it('still gives working validators when the directory cannot be made', () => {
    const blocker = join(dir, 'a-file');
    writeFileSync(blocker, 'x');
    const r = compileGroup({ ...group, cacheDir: join(blocker, 'cache') });
    expect(r.from).toBe('compiled');
    expect(r.validators.v(3)).toBe(false);
    expect(r.validators.v('s')).toBe(true);
  });

  it('compiles again over a damaged file', () => {
    const sub = join(dir, 'damaged');
    mkdirSync(sub);
    const { file } = compileGroup({ ...group, cacheDir: sub });
    writeFileSync(file!, 'module.exports = 42;');
    const again = compileGroup({ ...group, cacheDir: sub });
    expect(again.from).toBe('compiled');
    expect(again.validators.v(3)).toBe(false);
  });
});
