// Run a plan's modules in this process, without vitest: the fault self-test and the benchmarks use
// this. Same engine, same target launch, a bounded number of modules at once.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ModuleDef, ModuleResult, Plan } from '../core/types.ts';
import type { BrowserPool } from './browser.ts';
import { loadCatalog, selectModules } from './catalog.ts';
import { closeRunContext, createRunContext, runModule } from './runner.ts';
import { startTarget, type ProviderStarter } from './target.ts';

export interface DirectRunOptions {
  faults?: string[];
  /** Module ids or globs to run (default: the plan's selection). */
  modules?: string[];
  workers?: number;
  runDir?: string;
  /** A browser pool shared across runs (the caller closes it). */
  pool?: BrowserPool;
  /** Start the reference provider in this process with this function (see StartTargetOptions.inProcess). */
  inProcess?: ProviderStarter;
}

/** Run async tasks with at most `limit` at once, keeping input order in the output. */
export async function pool<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return out;
}

export async function runPlanDirect(plan: Plan, opts: DirectRunOptions = {}): Promise<ModuleResult[]> {
  const catalog = loadCatalog(plan);
  const mods: ModuleDef[] = selectModules(plan, catalog, opts.modules);
  const runDir = opts.runDir ?? mkdtempSync(join(tmpdir(), 'touchstone-run-'));
  const target = await startTarget(plan, { faults: opts.faults, inProcess: opts.inProcess });
  if (target.forgingKey && plan.resource) plan = { ...plan, resource: { ...plan.resource, signing_key: target.forgingKey } };
  try {
    const ctx = await createRunContext(plan, target, { runDir, pool: opts.pool });
    try {
      return await pool(mods, opts.workers ?? plan.settings?.workers ?? 2, (m) => runModule(ctx, m));
    } finally {
      await closeRunContext(ctx);
    }
  } finally {
    await target.stop();
  }
}
