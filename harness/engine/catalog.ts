// The module catalog: suites/*.yaml (modules) and suites/flows.yaml (named happy paths), plus the
// modules a plan declares itself. A module is resolved to a concrete step list by taking its base
// flow (or base module) and applying its edits in order, the way the OIDF suite's negative tests
// replace, insert and skip steps of a happy path, but as data.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import picomatch from 'picomatch';
import { parse as parseYaml } from 'yaml';
import { isCitationId } from '../core/citations.ts';
import type { FlowEdit, ModuleDef, Plan, StepDef, StepExpect } from '../core/types.ts';
import { validateShape } from '../plan/validate.ts';

export const SUITES_DIR = new URL('../../suites/', import.meta.url).pathname;

/** Step kinds the runner implements (harness/engine/steps). */
export const STEP_KINDS = ['race', 'discover', 'oauth-metadata', 'jwks', 'authorize', 'token', 'refresh', 'userinfo', 'logout', 'wait', 'rotate-keys', 'par', 'authorize-start', 'client-credentials', 'password', 'introspect', 'revoke', 'register', 'device-authorization', 'device-approve', 'device-token', 'ciba-request', 'ciba-decide', 'ciba-token', 'resource-token', 'resource', 'resource-metadata'] as const;

export interface Catalog {
  modules: Map<string, ModuleDef>;
  flows: Record<string, StepDef[]>;
}

export class CatalogError extends Error {}

function readYaml(file: string): unknown {
  try {
    return parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new CatalogError(`${file}: not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

let builtin: Catalog | undefined;

function loadBuiltin(): Catalog {
  if (builtin) return builtin;
  const flowsDoc = readYaml(join(SUITES_DIR, 'flows.yaml')) as { flows?: Record<string, StepDef[]> };
  const flows = flowsDoc?.flows ?? {};
  for (const [name, steps] of Object.entries(flows)) {
    const problems = (Array.isArray(steps) ? steps : [null]).flatMap((s, i) => validateShape(s, 'step', `suites/flows.yaml: /flows/${name}/${i}`));
    if (problems.length) throw new CatalogError(problems[0]);
  }
  const modules = new Map<string, ModuleDef>();
  for (const file of readdirSync(SUITES_DIR).filter((f) => f.endsWith('.yaml') && f !== 'flows.yaml').sort()) {
    const doc = readYaml(join(SUITES_DIR, file)) as { modules?: unknown[] };
    (doc?.modules ?? []).forEach((m, i) => {
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

// ------------------------------------------------------------------ resolution

const stepId = (s: StepDef) => s.id ?? s.do;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return !!v && typeof v === 'object' && !Array.isArray(v);
}

/** Deep merge for `set:`: nested objects merge, anything else replaces; null removes the key. */
export function mergeWith(target: Record<string, unknown> = {}, patch: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (isPlainObject(v) && isPlainObject(out[k])) out[k] = mergeWith(out[k] as Record<string, unknown>, v);
    else out[k] = v;
  }
  return out;
}

function expectsFailure(e?: StepExpect): boolean {
  return !!(e && (e.error || e.page || (e.status && e.status.some((s) => s >= 400))));
}

function applyToStep(step: StepDef, set?: Record<string, unknown>, drop?: string[], expect?: StepExpect): StepDef {
  const w = mergeWith(step.with, set);
  if (drop?.length) w.drop = [...new Set([...((w.drop as string[]) ?? []), ...drop])];
  return { ...step, with: w, ...(expect ? { expect } : {}) };
}

/**
 * Apply edits to a step list. An edit that makes a step expect a failure also ends the flow
 * after that step: later steps depended on its success. Later edits may insert steps after it.
 */
export function applyEdits(steps: StepDef[], edits: FlowEdit[] = []): StepDef[] {
  let out: StepDef[] = steps.map((s) => ({ ...s, id: stepId(s) }));
  const indexOf = (id: string, what: string) => {
    const i = out.findIndex((s) => s.id === id);
    if (i < 0) throw new CatalogError(`${what}: no step "${id}" in the flow (steps: ${out.map((s) => s.id).join(', ')})`);
    return i;
  };
  edits.forEach((e, n) => {
    const where = `edits/${n}`;
    if ('edit' in e && e.edit !== undefined) {
      const i = indexOf(e.edit, where);
      out[i] = applyToStep(out[i], e.set, e.drop, e.expect);
      if (expectsFailure(e.expect)) out = out.slice(0, i + 1);
    } else if ('replay' in e && e.replay !== undefined) {
      const i = indexOf(e.replay, where);
      const copy = { ...applyToStep(out[i], e.set, e.drop, e.expect), id: e.as };
      if (!e.as) throw new CatalogError(`${where}: replay needs "as", the new step's id`);
      if (out.some((s) => s.id === e.as)) throw new CatalogError(`${where}: step id "${e.as}" already exists`);
      const at = e.after ? indexOf(e.after, where) : i;
      out.splice(at + 1, 0, copy);
      if (expectsFailure(e.expect)) out = out.slice(0, at + 2);
    } else if ('insert_after' in e && e.insert_after !== undefined) {
      const i = indexOf(e.insert_after, where);
      const added = (e.steps ?? []).map((s) => ({ ...s, id: stepId(s) }));
      for (const s of added) if (out.some((o) => o.id === s.id)) throw new CatalogError(`${where}: step id "${s.id}" already exists; give the inserted step an id`);
      out.splice(i + 1, 0, ...added);
    } else if ('remove' in e && e.remove !== undefined) {
      out.splice(indexOf(e.remove, where), 1);
    } else if ('truncate_after' in e && e.truncate_after !== undefined) {
      out = out.slice(0, indexOf(e.truncate_after, where) + 1);
    } else {
      throw new CatalogError(`${where}: an edit needs one of edit, replay, insert_after, remove, truncate_after`);
    }
  });
  return out;
}

/** The concrete steps a module runs. */
export function resolveSteps(mod: ModuleDef, catalog: Catalog, seen: string[] = []): StepDef[] {
  if (seen.includes(mod.id)) throw new CatalogError(`module ${mod.id}: base chain loops (${[...seen, mod.id].join(' -> ')})`);
  let steps: StepDef[];
  if (mod.steps) steps = mod.steps;
  else if (mod.base && catalog.flows[mod.base]) steps = catalog.flows[mod.base];
  else if (mod.base && catalog.modules.has(mod.base)) steps = resolveSteps(catalog.modules.get(mod.base)!, catalog, [...seen, mod.id]);
  else if (mod.base) throw new CatalogError(`base "${mod.base}" is neither a flow in suites/flows.yaml nor a module`);
  else throw new CatalogError('a module needs steps or a base');
  return applyEdits(steps, mod.edits);
}

function citesOf(e?: StepExpect): string[] {
  if (!e?.cite) return [];
  return Array.isArray(e.cite) ? e.cite : [e.cite];
}

/** Semantic problems of a module that a schema cannot see. */
export function moduleProblems(mod: ModuleDef, catalog: Catalog): string[] {
  const problems: string[] = [];
  for (const c of mod.proves) if (!isCitationId(c)) problems.push(`proves: unknown citation id "${c}"`);
  let steps: StepDef[] = [];
  try {
    steps = resolveSteps(mod, catalog);
  } catch (err) {
    return [...problems, (err as Error).message];
  }
  const ids = new Set<string>();
  for (const s of steps) {
    if (!(STEP_KINDS as readonly string[]).includes(s.do)) problems.push(`step "${s.id}": unknown step kind "${s.do}" (known: ${STEP_KINDS.join(', ')})`);
    if (ids.has(s.id!)) problems.push(`step id "${s.id}" is used twice`);
    ids.add(s.id!);
    for (const c of citesOf(s.expect)) if (!isCitationId(c)) problems.push(`step "${s.id}": expect.cite: unknown citation id "${c}"`);
    if (expectsFailure(s.expect) && citesOf(s.expect).length === 0) problems.push(`step "${s.id}": an expected failure needs expect.cite, the rule it proves`);
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
  return selectors.filter((s) => !mods.some((m) => moduleMatcher([s])(m)));
}

/**
 * A variant the plan does not have makes a module not applicable; a module that applies but that
 * the harness cannot run (`skip:`, e.g. it proves no rule or is not implemented) is skipped.
 */
export function applicability(mod: ModuleDef, plan: Plan): { applies: true } | { applies: false; reason: string; status: 'skipped' | 'not_applicable' } {
  for (const [variant, allowed] of Object.entries(mod.applies ?? {})) {
    const value = plan.variants?.[variant];
    if (value === undefined || !allowed.includes(value)) {
      return { applies: false, reason: `applies only when variants.${variant} is ${allowed.join(' or ')} (plan has ${value ?? 'none'})`, status: 'not_applicable' };
    }
  }
  if (mod.skip) return { applies: false, reason: mod.skip, status: 'skipped' };
  return { applies: true };
}
