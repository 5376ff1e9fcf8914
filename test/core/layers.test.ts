// The harness's layers import one way: core <- checks, plan <- engine <- the CLI (harness/*.ts), and
// reporters read only core and the threat catalogue (data + a pure verdict). Nothing in harness/ imports the reference provider or a peer: providers
// are reached over HTTP, or started by a caller that passes its own starter (engine/target.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const HARNESS = join(ROOT, 'harness');

/** May import (besides its own directory): */
const ALLOWED: Record<string, string[]> = {
  core: [],
  checks: ['core', 'schemas'],
  plan: ['core'],
  threats: ['core'],
  reporters: ['core', 'threats'],
  engine: ['core', 'checks', 'plan', 'schemas', 'threats'],
};

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => normalize(join(dirname(file), m[1])));
}

describe('import layers', () => {
  const all = files(HARNESS);
  test('there are files to check', () => expect(all.length).toBeGreaterThan(50));

  test('each layer imports only the layers below it', () => {
    const bad: string[] = [];
    for (const f of all) {
      const layer = relative(HARNESS, f).split('/')[0];
      const allowed = ALLOWED[layer];
      if (!allowed) continue; // harness/*.ts (the CLI) and bin may import any layer
      for (const t of imports(f)) {
        const rel = relative(HARNESS, t);
        if (rel.startsWith('..')) continue; // outside harness/: checked below
        const to = rel.split('/')[0];
        if (to !== layer && !allowed.includes(to)) bad.push(`${relative(ROOT, f)} -> ${relative(ROOT, t)}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test('nothing in harness/ imports provider/ or peers/', () => {
    const bad = all.flatMap((f) => imports(f).filter((t) => /^(provider|peers)\//.test(relative(ROOT, t))).map((t) => `${relative(ROOT, f)} -> ${relative(ROOT, t)}`));
    expect(bad).toEqual([]);
  });

  test('the check fails on a wrong-way import', () => {
    // The same scan over a line a plan file must not contain.
    const line = "import { loadCatalog } from '../engine/catalog.ts';";
    const m = /(?:from|import\()\s*['"](\.{1,2}\/[^'"]+)['"]/.exec(line);
    const to = relative(HARNESS, normalize(join(HARNESS, 'plan', m![1]))).split('/')[0];
    expect(ALLOWED.plan.includes(to)).toBe(false);
  });
});
