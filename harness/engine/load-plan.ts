// Loading a plan: readPlan (YAML, schema, meaning: harness/plan/load.ts), then what needs the module
// catalog: plan-defined modules, module selectors, expected_failures and severity name real modules,
// checks and rules. Every problem is one PlanError line naming the file and the path inside it.
import { isCitationId } from '../core/citations.ts';
import type { ModuleDef, Plan, StepExpect } from '../core/types.ts';
import * as checks from '../checks/index.ts';
import { planFailer, readPlan } from '../plan/load.ts';
import { applicability, CatalogError, loadCatalog, moduleMatcher, moduleProblems, resolveSteps, selectModules, unmatchedSelectors, type Catalog } from './catalog.ts';

export { PlanError } from '../plan/load.ts';

/**
 * `trusted`: the process that started this one loaded and checked the same file a moment ago
 * (`touchstone run` before it starts the vitest worker): read it, skip the checks against the
 * catalog (each of a matrix's combinations, over a second for the FAPI matrix).
 */
export async function loadPlan(file: string, opts: { trusted?: boolean } = {}): Promise<Plan> {
  const plan = await readPlan(file);
  if (opts.trusted) return plan;
  const fail = planFailer(file);
  if (!plan.matrix) {
    checkModules(plan, fail);
    return plan;
  }
  // A matrix: each combination's plan on its own, and each must have a module that applies.
  for (const c of plan.matrix.combinations) {
    const at = (msg: string): never => fail(c.key ? `combination ${c.key}: ${msg}` : msg);
    checkModules(c.plan, at);
    if (!c.key) continue;
    const catalog = loadCatalog(c.plan);
    if (!selectModules(c.plan, catalog).some((m) => applicability(m, c.plan).applies)) {
      at(`/variants: none of the plan's modules (/modules) applies to this combination (check the modules' applies: and the values listed in /variants)`);
    }
  }
  return plan;
}

function checkModules(plan: Plan, fail: (msg: string) => never): void {
  let catalog;
  try {
    catalog = loadCatalog(plan);
  } catch (err) {
    if (err instanceof CatalogError) fail(err.message);
    throw err;
  }
  (plan.define ?? []).forEach((m, i) => {
    const builtin = loadCatalog().modules.get(m.id);
    if (builtin) fail(`/define/${i}/id "${m.id}" is already a module in ${builtin.source}; give the plan's module its own id`);
    const problem = moduleProblems(m, catalog)[0];
    if (problem) fail(`/define/${i} (${m.id}): ${problem}`);
    const unknown = unknownInteraction(m, plan);
    if (unknown) fail(`/define/${i} (${m.id}): ${unknown}`);
    for (const c of m.proves) if (!isCitationId(c)) fail(`/define/${i}/proves: unknown citation id "${c}"`);
  });
  const unmatched = unmatchedSelectors(plan.modules, catalog);
  if (unmatched.length) {
    const i = plan.modules.indexOf(unmatched[0]);
    fail(`/modules/${i}: unknown module id "${unmatched[0]}" (run \`touchstone list\` to see the modules)`);
  }
  // ---- expected_failures (issue 12): an entry must select one of the plan's modules, name a check
  // that can produce a finding there, and give a valid rule and message pattern; reason is required.
  const selected = selectModules(plan, catalog);
  (plan.expected_failures ?? []).forEach((x, i) => {
    const at = `/expected_failures/${i}`;
    if (unmatchedSelectors([x.module], catalog).length) fail(`${at}/module: unknown module id "${x.module}"`);
    const mods = selected.filter(moduleMatcher([x.module]));
    if (!mods.length) fail(`${at}/module: "${x.module}" selects none of the modules this plan runs (/modules)`);
    if (!CHECK_IDS.has(x.check)) {
      const ids = expectationIds(mods, catalog);
      if (!ids.has(x.check)) {
        const some = [...ids].slice(0, 8);
        fail(`${at}/check: unknown check id "${x.check}" (a check of harness/checks${some.length ? `, or a step expectation of the module: ${some.join(', ')}${ids.size > some.length ? ', …' : ''}` : ''})`);
      }
    }
    if (x.rule !== undefined && !isCitationId(x.rule)) fail(`${at}/rule: unknown citation id "${x.rule}" (harness/core/citations.ts)`);
    if (x.message !== undefined) {
      try {
        new RegExp(x.message);
      } catch (err) {
        fail(`${at}/message: not a valid regular expression: ${(err as Error).message}`);
      }
    }
  });
  // ---- severity: a rule judged at another level in this plan's context, with the reason.
  const seen = new Set<string>();
  (plan.severity ?? []).forEach((x, i) => {
    if (!isCitationId(x.rule)) fail(`/severity/${i}/rule: unknown citation id "${x.rule}" (harness/core/citations.ts)`);
    if (seen.has(x.rule)) fail(`/severity/${i}/rule: "${x.rule}" is already overridden by an earlier entry`);
    seen.add(x.rule);
  });
}

/**
 * `expect.interaction` names a plan-defined module writes itself (in its steps and edits) must be
 * the plan's browser.interactions: a typo would make "not shown" hold for the wrong reason. A
 * suite module needing an interaction the plan lacks is not applicable at run time instead.
 */
function unknownInteraction(m: ModuleDef, plan: Plan): string | undefined {
  const names = plan.browser.interactions.map((x) => x.name);
  const written: { where: string; expect?: StepExpect }[] = [
    ...(m.steps ?? []).map((s) => ({ where: `step "${s.id ?? s.do}"`, expect: s.expect })),
    ...(m.edits ?? []).flatMap((e, n) => [
      { where: `edits/${n}`, expect: 'expect' in e ? e.expect : undefined },
      ...('steps' in e ? (e.steps ?? []) : []).map((s) => ({ where: `edits/${n} step "${s.id ?? s.do}"`, expect: s.expect })),
    ]),
  ];
  for (const { where, expect } of written) {
    for (const list of ['shown', 'not_shown'] as const) {
      const bad = (expect?.interaction?.[list] ?? []).find((n) => !names.includes(n));
      if (bad !== undefined) return `${where}: expect.interaction.${list} names "${bad}", not an interaction of this plan (browser.interactions: ${names.join(', ') || 'none'})`;
    }
  }
  return undefined;
}

/** Ids of every check in the registry (harness/checks/index.ts: each is a defineCheck). */
const CHECK_IDS: ReadonlySet<string> = new Set(
  Object.values(checks).flatMap((c) => (typeof c === 'function' && typeof (c as { id?: unknown }).id === 'string' ? [(c as { id: string }).id] : [])),
);

/**
 * The checks a step records for its own expectation, as `<step id>-<suffix>` (ModuleRun.expectation
 * in harness/engine/steps/*). test/plan/load.test.ts keeps this list in step with the steps' source.
 */
export const EXPECTATION_SUFFIXES = [
  'succeeds', 'refused', 'answered', 'inactive', 'deleted', 'error-response', 'ends-on-op-page', 'interactions',
  'interaction-started', 'redirects', 'expires-in', 'no-refresh-token', 'auth-time',
] as const;

function expectationIds(mods: ModuleDef[], catalog: Catalog): Set<string> {
  const ids = new Set<string>();
  for (const m of mods) {
    let steps;
    try {
      steps = resolveSteps(m, catalog);
    } catch {
      continue;
    }
    for (const st of steps) for (const sfx of EXPECTATION_SUFFIXES) ids.add(`${st.id ?? st.do}-${sfx}`);
  }
  return ids;
}
