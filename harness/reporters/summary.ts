// summary.json: the machine-readable outcome of a run (RunSummary), built from the module results
// the run recorded.
// A module the suite never recorded (suite crashed, hook failed, interrupted) counts as failed.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ModuleDef, ModuleResult, ModuleStatus, RunGate, RunSummary } from '../core/types.ts';
import { threatCatalogue } from '../threats/catalogue.ts';
import { threatTable } from '../threats/verdict.ts';

export interface SummaryInput {
  /** The module results the run recorded, by id (already masked). */
  results: ReadonlyMap<string, ModuleResult>;
  plan: string;
  planFile: string;
  startedAt: string;
  ms: number;
  workers: number;
  issuer: string;
  faults: string[];
  /** The modules the run selected, in order (in a matrix run, each module per combination: `<id>[<key>]`, with module and combination). */
  modules: (Pick<ModuleDef, 'id' | 'title' | 'counterpart' | 'proves' | 'threats'> & Pick<ModuleResult, 'module' | 'combination'>)[];
  /** Fallback outcome per module id when modules/<id>.json is missing (from the live reporter). */
  fallback?: Map<string, { status: ModuleStatus; reason?: string; ms: number }>;
  /** Why modules have no result when the fallback does not say (e.g. the suite failed to load). */
  missingReason?: string;
  /** touchstone run --strict. */
  strict?: boolean;
  /** Run-level errors (the provider did not start, the test runner failed): each fails the gate. */
  errors?: string[];
  /** touchstone run --shard i/n. */
  shard?: RunSummary['shard'];
}

export function buildSummary(input: SummaryInput): RunSummary {
  const modules: RunSummary['modules'] = [];
  for (const def of input.modules) {
    const id = def.id;
    const r = input.results.get(id);
    // The module's threats come from its definition (or a shard summary's entry, on merge).
    const threats = def.threats?.length ? { threats: def.threats } : {};
    if (r) {
      const { exchanges: _exchanges, replay: _replay, threats: _threats, ...rest } = r;
      modules.push({ ...rest, ...threats });
      continue;
    }
    const fb = input.fallback?.get(id);
    const status: ModuleStatus = fb && (fb.status === 'skipped' || fb.status === 'not_applicable') ? fb.status : 'failed';
    modules.push({
      id, ...(def.combination ? { module: def.module, combination: def.combination } : {}), title: def.title, counterpart: def.counterpart, proves: def.proves, ...threats, status, findings: [], expectedFailures: [],
      reason: fb?.reason ?? input.missingReason ?? 'no result was recorded for this module',
      startedAt: input.startedAt, ms: fb?.ms ?? 0,
    });
  }
  const counts: RunSummary['counts'] = { passed: 0, failed: 0, warning: 0, skipped: 0, not_applicable: 0, total: modules.length, expectedFailures: 0 };
  for (const m of modules) {
    counts[m.status]++;
    counts.expectedFailures += m.expectedFailures?.length ?? 0;
  }
  const unmetExpectedFailures = modules.flatMap((m) => m.unmetExpectedFailures ?? []);
  return {
    plan: input.plan, planFile: input.planFile, startedAt: input.startedAt, ms: input.ms, workers: input.workers,
    issuer: input.issuer, faults: input.faults, counts, unmetExpectedFailures,
    gate: gateOf(counts, unmetExpectedFailures.length, { strict: !!input.strict, errors: input.errors ?? [] }),
    ...(input.errors?.length ? { errors: input.errors } : {}),
    ...(input.shard ? { shard: input.shard } : {}),
    threats: threatTable(modules, threatCatalogue().threats),
    ...matrixOf(modules),
    modules,
  };
}

/**
 * A matrix run's section: the combinations in the order their modules come (combination by
 * combination, harness/plan/matrix.ts), each with its counts, and the values of each variant. It is
 * computed from the module list alone, so `touchstone merge` rebuilds the same section.
 */
export function matrixOf(modules: RunSummary['modules']): Pick<RunSummary, 'matrix'> {
  const byKey = new Map<string, NonNullable<RunSummary['matrix']>['combinations'][number]>();
  const dimensions: Record<string, string[]> = {};
  for (const m of modules) {
    if (!m.combination) continue;
    const key = Object.entries(m.combination).map(([k, v]) => `${k}=${v}`).join(',');
    let c = byKey.get(key);
    if (!c) {
      c = { key, variants: m.combination, counts: { passed: 0, failed: 0, warning: 0, skipped: 0, not_applicable: 0, total: 0, expectedFailures: 0 } };
      byKey.set(key, c);
      for (const [k, v] of Object.entries(m.combination)) if (!(dimensions[k] ??= []).includes(v)) dimensions[k]!.push(v);
    }
    c.counts[m.status]++;
    c.counts.total++;
    c.counts.expectedFailures += m.expectedFailures?.length ?? 0;
  }
  return byKey.size ? { matrix: { dimensions, combinations: [...byKey.values()] } } : {};
}

const n = (k: number, one: string, many = `${one}s`) => `${k} ${k === 1 ? one : many}`;

/**
 * The release gate. Always: a failed module or a run error fails it, and so does a run in which
 * nothing passed (every module skipped or not applicable: nothing was proven). A warning counts as
 * passed (its MUSTs held). --strict: skips, warnings and unmet expected failures fail it too; a
 * module that is not applicable never does (the plan says it does not apply).
 */
export function gateOf(counts: RunSummary['counts'], unmet: number, opts: { strict: boolean; errors: string[] }): RunGate {
  const reasons: string[] = [];
  if (opts.errors.length) reasons.push(n(opts.errors.length, 'run error'));
  if (counts.failed) reasons.push(n(counts.failed, 'module failed', 'modules failed'));
  if (counts.passed + counts.warning === 0) {
    reasons.push(`nothing passed (${counts.total} module${counts.total === 1 ? '' : 's'}: ${counts.skipped} skipped, ${counts.not_applicable} not applicable, ${counts.failed} failed)`);
  }
  if (opts.strict) {
    if (counts.skipped) reasons.push(n(counts.skipped, 'module skipped', 'modules skipped'));
    if (counts.warning) reasons.push(n(counts.warning, 'warning'));
    if (unmet) reasons.push(n(unmet, 'unmet expected failure'));
  }
  return { mode: opts.strict ? 'strict' : 'default', passed: reasons.length === 0, reasons };
}

export async function writeSummary(runDir: string, summary: RunSummary): Promise<string> {
  const file = join(runDir, 'summary.json');
  await writeFile(file, `${JSON.stringify(summary, null, 2)}\n`);
  return file;
}
