// The module catalog: suites/*.yaml (modules) and suites/flows.yaml (named happy paths), plus the
// modules a plan declares itself. A module is resolved to a concrete step list by taking its base
// flow (or base module) and applying its edits in order (resolve.ts), the way the OIDF suite's
// negative tests replace, insert and skip steps of a happy path, but as data. Every resolved step's
// `with` is validated against its kind's schema in the step registry (steps/index.ts).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import { isCitationId } from '../core/citations.ts';
import { parseCached } from '../core/yaml-cache.ts';
import { threatProblems } from '../threats/catalogue.ts';
import type { ModuleDef, Plan, StepDef, StepExpect } from '../core/types.ts';
import { validateShape } from '../plan/validate.ts';
import { variantProblems } from '../plan/variants.ts';
import { type Catalog, CatalogError, expectsFailure, resolveSteps } from './resolve.ts';
import { isStepKind, STEP_KINDS, stepOptionProblems } from './steps/index.ts';

export const SUITES_DIR = new URL('../../suites/', import.meta.url).pathname;

export { applyEdits, type Catalog, CatalogError, mergeWith, resolveSteps } from './resolve.ts';

/** suites/flows.yaml and every module file, parsed (once per change of any of them: core/yaml-cache.ts). */
function readSuites(): { flows: unknown; modules: { file: string; doc: unknown }[] } {
  const names = ['flows.yaml', ...readdirSync(SUITES_DIR).filter((f) => f.endsWith('.yaml') && f !== 'flows.yaml').sort()];
  const docs = parseCached('suites', names.map((name) => ({ name, text: readFileSync(join(SUITES_DIR, name), 'utf8') })), (text, name) => {
    try {
      return parseYaml(text);
    } catch (err) {
      throw new CatalogError(`${join(SUITES_DIR, name)}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
    }
  });
  return { flows: docs[0], modules: names.slice(1).map((file, i) => ({ file, doc: docs[i + 1] })) };
}

let builtin: Catalog | undefined;

/** The built-in catalog as plain data (the run hands it to its vitest worker: JSON reads faster than the YAML). */
export function builtinCatalogData(): { modules: ModuleDef[]; flows: Catalog['flows'] } {
  const b = loadBuiltin();
  return { modules: [...b.modules.values()], flows: b.flows };
}

/**
 * The built-in catalog as the process that started this one loaded and checked it a moment ago
 * (builtinCatalogData; `touchstone run` hands it to its vitest worker): neither read nor checked
 * again, which is most of the half second a plan's load costs.
 */
export function useBuiltinCatalog(data: { modules: ModuleDef[]; flows: Catalog['flows'] }): void {
  builtin = { modules: new Map(data.modules.map((m) => [m.id, m])), flows: data.flows };
}

function loadBuiltin(): Catalog {
  if (builtin) return builtin;
  const suites = readSuites();
  const flowsDoc = suites.flows as { flows?: Record<string, StepDef[]> } | null;
  const flows = flowsDoc?.flows ?? {};
  for (const [name, steps] of Object.entries(flows)) {
    const problems = (Array.isArray(steps) ? steps : [null]).flatMap((s, i) => validateShape(s, 'step', `suites/flows.yaml: /flows/${name}/${i}`));
    if (problems.length) throw new CatalogError(problems[0]);
    // A flow's steps are checked here as well as in every module built on it (after its edits).
    for (const s of steps) {
      const problem = isStepKind(s.do) ? stepOptionProblems(s.do, s.with)[0] : `unknown step kind "${s.do}" (known: ${STEP_KINDS.join(', ')})`;
      if (problem) throw new CatalogError(`suites/flows.yaml: flow ${name}: step "${s.id ?? s.do}": ${problem}`);
    }
  }
  const modules = new Map<string, ModuleDef>();
  for (const { file, doc } of suites.modules) {
    ((doc as { modules?: unknown[] } | null)?.modules ?? []).forEach((m, i) => {
      const problems = validateShape(m, 'module', `suites/${file}: /modules/${i}`);
      if (problems.length) throw new CatalogError(problems[0]);
      const mod = { ...(m as ModuleDef), source: `suites/${file}` };
      if (modules.has(mod.id)) throw new CatalogError(`suites/${file}: /modules/${i}/id "${mod.id}" is defined twice`);
      modules.set(mod.id, mod);
    });
  }
  builtin = { modules, flows };
  for (const mod of modules.values()) {
    const problem = moduleProblems(mod, builtin)[0];
    if (problem) throw new CatalogError(`${mod.source}: module ${mod.id}: ${problem}`);
  }
  return builtin;
}

/** The built-in catalog, plus the plan's own `define:` modules when a plan is given. */
export function loadCatalog(plan?: Plan): Catalog {
  const base = loadBuiltin();
  if (!plan?.define?.length) return base;
  const modules = new Map(base.modules);
  for (const m of plan.define) modules.set(m.id, { ...m, source: plan.file ?? 'plan' });
  return { modules, flows: base.flows };
}

function citesOf(e?: StepExpect): string[] {
  if (!e?.cite) return [];
  return Array.isArray(e.cite) ? e.cite : [e.cite];
}

/** Semantic problems of a module that a schema cannot see. */
export function moduleProblems(mod: ModuleDef, catalog: Catalog): string[] {
  const problems: string[] = [];
  for (const c of mod.proves) if (!isCitationId(c)) problems.push(`proves: unknown citation id "${c}"`);
  problems.push(...threatProblems(mod.threats));
  let steps: StepDef[] = [];
  try {
    steps = resolveSteps(mod, catalog);
  } catch (err) {
    return [...problems, (err as Error).message];
  }
  const ids = new Set<string>();
  for (const s of steps) {
    if (!isStepKind(s.do)) problems.push(`step "${s.id}": unknown step kind "${s.do}" (known: ${STEP_KINDS.join(', ')})`);
    else for (const p of stepOptionProblems(s.do, s.with)) problems.push(`step "${s.id}": ${p}`);
    if (ids.has(s.id!)) problems.push(`step id "${s.id}" is used twice`);
    ids.add(s.id!);
    for (const c of citesOf(s.expect)) if (!isCitationId(c)) problems.push(`step "${s.id}": expect.cite: unknown citation id "${c}"`);
    if (expectsFailure(s.expect) && citesOf(s.expect).length === 0) problems.push(`step "${s.id}": an expected failure needs expect.cite, the rule it proves`);
    for (const [name, values] of Object.entries(s.applies ?? {})) for (const v of values) problems.push(...variantProblems({ [name]: v }, `step "${s.id}": applies`));
  }
  return problems;
}

// ------------------------------------------------------------------ selection

/**
 * A matcher for module selectors: ids or globs over ids, or `suite:<name>` for every module of
 * suites/<name>.yaml (`suite:plan` for the plan's own `define:` modules).
 */
export function moduleMatcher(selectors: string[]): (m: ModuleDef) => boolean {
  const suites = selectors.filter((s) => s.startsWith('suite:')).map((s) => s.slice(6));
  const ids = selectors.filter((s) => !s.startsWith('suite:'));
  const byId = ids.length ? picomatch(ids) : () => false;
  return (m) => byId(m.id) || suites.some((s) => (s === 'plan' ? !m.source?.startsWith('suites/') : m.source === `suites/${s}.yaml`));
}

export function selectModules(plan: Plan, catalog: Catalog, filters?: string[]): ModuleDef[] {
  const all = [...catalog.modules.values()];
  const inPlan = moduleMatcher(plan.modules);
  let chosen = all.filter((m) => inPlan(m));
  if (filters?.length) {
    const f = picomatch(filters);
    chosen = chosen.filter((m) => f(m.id));
  }
  return chosen;
}

/** Module ids or globs that match nothing: a typo in a plan or on the command line. */
export function unmatchedSelectors(selectors: string[], catalog: Catalog): string[] {
  const mods = [...catalog.modules.values()];
  return selectors.filter((s) => {
    const match = moduleMatcher([s]); // once per selector: a glob's compile costs more than all its matches
    return !mods.some(match);
  });
}

/**
 * A variant the plan does not have makes a module not applicable; a module that applies but that
 * the harness cannot run (`skip:`, e.g. it proves no rule or is not implemented) is skipped.
 */
/** The first of `applies` the plan's variants fall outside, as a reason; undefined when they meet all. */
function outside(applies: Record<string, string[]> | undefined, plan: Plan): string | undefined {
  for (const [variant, allowed] of Object.entries(applies ?? {})) {
    const value = plan.variants?.[variant];
    if (value === undefined || !allowed.includes(value)) return `applies only when variants.${variant} is ${allowed.join(' or ')} (plan has ${value ?? 'none'})`;
  }
  return undefined;
}

/**
 * A flow's steps in this plan: a step whose `applies:` the plan's variants fall outside is left out
 * (e.g. UserInfo in a plain OAuth variant, the resource call in an OpenID one). A module whose
 * expectations (what it tests) are all on steps left out cannot test anything in this plan:
 * `notApplicable` says why. (A module may put the same expectation on alternative steps, one per
 * variant, e.g. on UserInfo and on the resource call.)
 */
export function stepsInPlan(steps: StepDef[], plan: Plan): { steps: StepDef[]; notApplicable?: string } {
  const kept = steps.filter((s) => !outside(s.applies, plan));
  const dropped = steps.filter((s) => s.expect && outside(s.applies, plan));
  if (dropped.length && !kept.some((s) => s.expect)) return { steps: kept, notApplicable: `step "${dropped[0]!.id ?? dropped[0]!.do}" ${outside(dropped[0]!.applies, plan)}` };
  return { steps: kept };
}

export function applicability(mod: ModuleDef, plan: Plan, catalog?: Catalog): { applies: true } | { applies: false; reason: string; status: 'skipped' | 'not_applicable' } {
  const why = outside(mod.applies, plan);
  if (why) return { applies: false, reason: why, status: 'not_applicable' };
  // With the catalog: also the steps' own applies (stepsInPlan), as the runner judges them.
  if (catalog) {
    let steps: StepDef[] | undefined;
    try { steps = resolveSteps(mod, catalog); } catch { steps = undefined; }
    const na = steps && stepsInPlan(steps, plan).notApplicable;
    if (na) return { applies: false, reason: na, status: 'not_applicable' };
  }
  if (mod.skip) return { applies: false, reason: mod.skip, status: 'skipped' };
  return { applies: true };
}
