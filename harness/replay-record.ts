// The replay record of a module result (modules/<id>.json `replay`, read by `touchstone replay`,
// harness/replay.ts): the plan it ran under and the module with its steps resolved.
import type { ModuleDef, Plan, ReplayInfo } from './core/types.ts';
import { type Catalog, resolveSteps } from './engine/resolve.ts';

/** What modules/<id>.json records for a replay: the plan and the module with its steps resolved. */
export function replayInfo(plan: Plan, planFile: string, mod: ModuleDef, catalog: Catalog): ReplayInfo {
  const { source: _source, base: _base, edits: _edits, steps: _steps, ...rest } = mod;
  let steps: ModuleDef['steps'];
  try {
    steps = resolveSteps(mod, catalog);
  } catch {
    steps = mod.steps; // a module that does not resolve never ran; record what it has
  }
  return { plan: plan.name, planFile, variants: { ...(plan.variants ?? {}) }, module: { ...rest, ...(steps ? { steps } : {}) } };
}

