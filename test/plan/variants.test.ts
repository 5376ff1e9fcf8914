// The variant registry (harness/plan/variants.ts) is the one list of names and values: plans are
// validated against it, every suite's `applies:` uses it, and the README's table is its output.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { describe, expect, it } from 'vitest';
import { VARIANTS, variantProblems, variantsTable } from '../../harness/plan/variants.ts';
import { loadPlan, PlanError } from '../../harness/engine/load-plan.ts';
import { variantOfDefaultPlan } from '../cli/helpers.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

describe('plan variants', () => {
  it('every applies: in suites/ names a registered variant and its values', () => {
    const problems: string[] = [];
    for (const f of readdirSync(join(ROOT, 'suites')).filter((n) => n.endsWith('.yaml'))) {
      const doc = parse(readFileSync(join(ROOT, 'suites', f), 'utf8')) as { modules?: { id: string; applies?: Record<string, string[]> }[] };
      for (const m of doc.modules ?? []) {
        for (const [name, values] of Object.entries(m.applies ?? {})) {
          for (const v of values) problems.push(...variantProblems({ [name]: v }, `suites/${f}: ${m.id}/applies`));
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('a plan with an unknown variant value is refused, naming the path and the allowed values', async () => {
    const file = variantOfDefaultPlan('bad-variant', (p) => {
      p.variants = { ...p.variants, client_auth: 'client_secret_bsaic' };
    });
    await expect(loadPlan(file)).rejects.toThrow(/\/variants\/client_auth: unknown value "client_secret_bsaic"; allowed: client_secret_basic, /);
    await expect(loadPlan(file)).rejects.toBeInstanceOf(PlanError);
  });

  it('a plan with an unknown variant name is refused', async () => {
    const file = variantOfDefaultPlan('bad-variant-name', (p) => {
      p.variants = { ...p.variants, pkce_method: 'S256' };
    });
    await expect(loadPlan(file)).rejects.toThrow(/\/variants\/pkce_method: unknown variant; known: openid, /);
  });

  it('the README lists exactly the registry', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(variantsTable());
    expect(Object.keys(VARIANTS).length).toBeGreaterThan(10);
  });
});
