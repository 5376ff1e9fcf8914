// The vitest file a Touchstone run executes (harness/run.ts drives vitest with an inline config;
// the project's own vitest.config.ts only includes test/**). One test per selected module, run
// concurrently: vitest starts more at once than `workers` (maxConcurrency), and the engine's run
// slots let `workers` of them be busy at a time, a module waiting on a TTL or a polling interval
// not counting (harness/engine/slots.ts). Inputs come from the two files the run hands over (ENV in
// harness/reporters/meta.ts).
import { existsSync, readFileSync, watch } from 'node:fs';
import module from 'node:module';
import { basename, dirname } from 'node:path';
import { beforeAll, afterAll, describe, test } from 'vitest';
import {
  loadPlan, loadCatalog, useBuiltinCatalog, applicability, createRunContext, runModule, closeRunContext, maskSecrets, secretsOf, startOrder,
  BrowserPool, Slots, type RunContext,
} from '../harness/engine/api.ts';
import type { ModuleDef, ModuleResult, Plan } from '../harness/core/types.ts';
import { combinationsOf, providerGroups, splitUnitId, unitId } from '../harness/plan/matrix.ts';
import { failingFindings, formatFinding } from '../harness/reporters/format.ts';
import { ENV, targetFileOf, type RunHandOver, type TargetEnv, type TouchstoneMeta } from '../harness/reporters/meta.ts';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: suites/plan.suite.ts runs under \`touchstone run\`, not on its own`);
  return v;
}

const targetFile = env(ENV.targetFile);
// Vitest turns source maps on; the harness is TypeScript stripped in place (its stack positions are
// the files' own), and with them on every Playwright call paid for a mapped stack trace it keeps.
if (module.setSourceMapsSupport) module.setSourceMapsSupport(false);
else process.setSourceMapsEnabled(false);
// The run starts vitest before it loads the plan: what to run comes once the plan is checked.
const run = await handedOver<RunHandOver>(env(ENV.runFile));
const { plan: planFile, runDir, ids } = run;
const workers = Math.max(1, run.workers || 2);

// The browser starts now, while this process loads the plan and the providers start.
const pool = new BrowserPool();
if (run.browser) await pool.start();

// `touchstone run` loaded and checked the plan and the built-in catalog (suites/*.yaml): the catalog
// comes with the run file, the plan is read without checks.
useBuiltinCatalog(run.builtin);
const loaded = await loadPlan(planFile, { trusted: true });
// touchstone replay: a recorded module the plan does not have joins its catalogue (harness/replay.ts).
const replayed = run.define ?? [];
const catalog = loadCatalog(replayed.length ? { ...loaded, define: [...(loaded.define ?? []), ...replayed] } : loaded);
// A matrix plan runs each module in each combination (harness/plan/matrix.ts): the ids are unit
// ids, `<module id>[<combination>]`; each combination has its plan, and each distinct provider
// setup its provider and hand-over file (harness/run.ts starts them).
const combos = combinationsOf(loaded);
const groups = providerGroups(combos);
// Set in beforeAll, once the providers answer (the harness starts them while this file loads).
const plans: Plan[] = combos.map((c) => c.plan);
let secrets = [...new Set(plans.flatMap(secretsOf))];
const mask = <T>(v: T): T => maskSecrets(v, secrets);

/** A file the harness process hands over (harness/run.ts): waits for it, however long the plan's load or the provider takes. */
function handedOver<T extends object>(file: string): Promise<T> {
  return new Promise((resolve, reject) => {
    const read = (): boolean => {
      if (!existsSync(file)) return false;
      watcher.close();
      try {
        const v = JSON.parse(readFileSync(file, 'utf8')) as T | { error: string };
        if ('error' in v) reject(new Error(v.error));
        else resolve(v);
      } catch (err) {
        reject(err as Error);
      }
      return true;
    };
    const watcher = watch(dirname(file), (_event, name) => { if (name === basename(file)) read(); });
    read();
  });
}
const units = ids.map((id) => {
  const { module, key } = splitUnitId(id);
  const combo = combos.findIndex((c) => c.key === key);
  if (combo < 0) throw new Error(`${id}: the plan has no combination ${key}`);
  const mod = catalog.modules.get(module);
  if (!mod) throw new Error(`module ${module} is not in the catalog`);
  return { id, mod, combo };
});
const modules: ModuleDef[] = [...new Set(units.map((u) => u.mod))];

/** Findings failed: the provider broke a rule (the name says assertion). */
class ConformanceAssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceAssertionError';
    this.stack = `${this.name}: ${message}`; // the findings are the story; a stack into this file is noise
  }
}

/** The module failed without a failing finding (engine error, timeout). */
class ModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModuleError';
    this.stack = `${this.name}: ${message}`;
  }
}

function skippedResult(mod: ModuleDef, reason: string, status: 'skipped' | 'not_applicable', c: { key: string; variants: Record<string, string> }): ModuleResult {
  return {
    id: unitId(mod.id, c.key), ...(c.key ? { module: mod.id, combination: c.variants } : {}), title: mod.title, counterpart: mod.counterpart, proves: mod.proves, status, reason,
    findings: [], expectedFailures: [], exchanges: [], startedAt: new Date().toISOString(), ms: 0,
  };
}

function metaOf(r: ModuleResult): TouchstoneMeta {
  const failing = failingFindings(r);
  return {
    id: r.id, status: r.status, reason: r.reason, ms: r.ms, counterpart: r.counterpart,
    counts: { findings: r.findings.length, failed: failing.length, expectedFailures: r.expectedFailures.length },
    failures: failing.map(formatFinding),
    result: r,
  };
}

/** One run context per combination run here; one browser pool and one set of run slots for all. */
const contexts = new Map<number, RunContext>();

beforeAll(async () => {
  const used = [...new Set(units.map((u) => u.combo))];
  const targets = new Map<number, TargetEnv>();
  await Promise.all([...new Set(used.map((i) => groups.of[i]!))].map(async (g) => targets.set(g, await handedOver<TargetEnv>(targetFileOf(targetFile, g)))));
  const slots = new Slots(workers);
  for (const i of used) {
    const target = targets.get(groups.of[i]!)!;
    const own = plans[i]!;
    // The harness made the provider's keys for this run: forge with its RS256 key (masked like any signing_key).
    if (target.forgingKey && own.resource) plans[i] = { ...own, resource: { ...own.resource, signing_key: target.forgingKey } };
    // The provider started for its group's first combination; the others' client certificates are in combinationCerts.
    const first = combos.findIndex((_, j) => groups.of[j] === groups.of[i]);
    const clientCerts = i === first ? target.clientCerts : target.combinationCerts?.[combos[i]!.key];
    const { clientCerts: _, combinationCerts: __, ...rest } = target;
    contexts.set(i, await createRunContext(plans[i]!, { ...rest, ...(clientCerts ? { clientCerts } : {}) }, { runDir, pool, slots, preloadBrowser: false, combination: combos[i]! }));
  }
  secrets = [...new Set(plans.flatMap(secretsOf))];
}, 0);

afterAll(async () => {
  for (const ctx of contexts.values()) await closeRunContext(ctx);
  await pool.close();
});

// Longest waits first (the reports keep the plan's order), a module's combinations side by side.
const rank = new Map(startOrder(modules, catalog, loaded).map((m, i) => [m, i]));
const ordered = units.map((u, i) => ({ u, i })).sort((a, b) => rank.get(a.u.mod)! - rank.get(b.u.mod)! || a.i - b.i).map((x) => x.u);

describe.concurrent(loaded.name, () => {
  for (const { id, mod, combo } of ordered) {
    test(id, async (t) => {
      const ctx = contexts.get(combo);
      if (!ctx) throw new Error('run context was not created');
      const plan = plans[combo]!;
      const a = applicability(mod, plan);
      const raw = a.applies ? await runModule(ctx, mod) : skippedResult(mod, a.reason, a.status, combos[combo]!);
      const r = mask(raw);
      // The result goes to the reporters in the harness process (task meta): they write
      // modules/<id>.json, Allure, JUnit, the summary and the console; this file writes nothing.
      const meta = metaOf(r);
      t.task.meta.touchstone = meta;

      switch (r.status) {
        case 'passed':
          return;
        case 'skipped':
          t.skip(r.reason ?? 'skipped');
          return;
        case 'not_applicable':
          // vitest has no such status: skipped, with the reason saying why it does not apply.
          t.skip(`not applicable: ${r.reason ?? 'the plan says it does not apply'}`);
          return;
        case 'warning':
          await t.annotate(meta.failures.length ? meta.failures.join('\n') : (r.reason ?? 'warning'), 'warning');
          return;
        default: {
          if (!meta.failures.length) throw new ModuleError(`${mod.id} failed: ${r.reason ?? 'no failing finding and no reason given'}`);
          throw new ConformanceAssertionError(`${mod.id} failed:\n${meta.failures.map((l) => `  ${l}`).join('\n')}`);
        }
      }
    });
  }
});
