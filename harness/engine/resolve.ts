// Resolving a module to the concrete steps it runs: its base flow (or base module) with its edits
// applied in order. Apart from catalog.ts so that a step may resolve its own module (par looks
// ahead) without importing the catalog, which imports the step registry.
import type { FlowEdit, ModuleDef, StepDef, StepExpect } from '../core/types.ts';

export interface Catalog {
  modules: Map<string, ModuleDef>;
  flows: Record<string, StepDef[]>;
}

export class CatalogError extends Error {}

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

export function expectsFailure(e?: StepExpect): boolean {
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
