// `touchstone replay <report>/modules/<id>.json [--plan <plan.yaml>]`: run one module of an earlier
// run again, against the plan that run used (recorded in the module's json, `replay`) or, with
// --plan, against another provider's plan (a reviewer replays an edge case found on provider A
// against provider B). It writes a normal report (reports/<stamp>-<plan>/). The module is the
// target plan's own when its catalogue has that id (a suite module, or the plan's `define:`), else
// the recorded definition (steps resolved, so a plan-defined edge case needs nothing of plan A).
// Whether it applies is the target plan's business: its variants, clients and expected_failures.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { ModuleResult, ReplayInfo } from './core/types.ts';
import { runPlan, UsageError, type RunOptions } from './run.ts';

const shown = (p: string) => {
  const r = resolve(p);
  return r.startsWith(`${process.cwd()}/`) ? r.slice(process.cwd().length + 1) : r;
};

/** Reads modules/<id>.json and returns its replay record, or a UsageError saying what is missing. */
export async function readReplay(file: string): Promise<ReplayInfo> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`${shown(file)}: no such file (expected <report dir>/modules/<module id>.json)`);
  }
  let r: Partial<ModuleResult>;
  try {
    r = JSON.parse(text) as Partial<ModuleResult>;
  } catch {
    throw new UsageError(`${shown(file)}: not valid JSON`);
  }
  if (!r.replay?.module?.id || !r.replay.planFile) {
    throw new UsageError(`${shown(file)}: has no replay record (not a module result of touchstone run, or written by an older version: run the module with touchstone run <plan> --module ${r.id ?? '<id>'})`);
  }
  return r.replay;
}

export interface ReplayOptions extends Pick<RunOptions, 'reportDir' | 'strict' | 'json' | 'workers'> {
  /** --plan: run against this plan instead of the recorded one. */
  plan?: string;
}

/** Variants the module's run had that the target plan lacks or sets otherwise ("pkce: required -> none"). */
export function variantChanges(recorded: Record<string, string>, target: Record<string, string> | undefined): string[] {
  const keys = [...new Set([...Object.keys(recorded), ...Object.keys(target ?? {})])].sort();
  return keys.filter((k) => recorded[k] !== target?.[k]).map((k) => `${k}: ${recorded[k] ?? '(unset)'} -> ${target?.[k] ?? '(unset)'}`);
}

export async function replay(file: string, opts: ReplayOptions = {}): Promise<number> {
  const info = await readReplay(file);
  const planFile = opts.plan ?? info.planFile;
  const out = opts.json ? process.stderr : process.stdout;
  out.write(`touchstone replay · module ${info.module.id} · recorded under plan ${info.plan} (${shown(info.planFile)})${opts.plan ? ` · against ${shown(opts.plan)}` : ''}\n`);
  if (opts.plan) {
    // Another provider's plan: where its variants differ, the module may not apply (the run says so).
    const { engine } = await import('./run.ts');
    const target = await (await engine()).loadPlan(opts.plan).catch(() => undefined); // runPlan reports a bad plan
    const changes = target ? variantChanges(info.variants, target.variants) : [];
    if (changes.length) out.write(`variants differ from the recorded run: ${changes.join(', ')}\n`);
  }
  return runPlan(planFile, { reportDir: opts.reportDir, strict: opts.strict, json: opts.json, workers: opts.workers, replay: { module: info.module, variants: info.variants } });
}
