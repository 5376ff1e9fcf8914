// `npm run bench`: wall time and peak memory of full plan runs through the real CLI
// (provider start, vitest, browser, reports), with 1 and with 2 workers, and where the modules'
// time went (from each module's timing record). Prints figures; asserts nothing.
// Then the provider benchmark (scripts/bench-provider.ts): the heavy token flow against our provider
// and oidc-provider in one run.
// Usage: node scripts/bench.ts [--workers 1,2] [plan ...]       plans, then the provider benchmark
//        node scripts/bench.ts --provider [--requests N] [--concurrency C] [--warmup W]   the provider benchmark only
// Default: every plan in plans/ that launches the reference provider as a process, 1 and 2 workers;
// a variant matrix of more than ONE_VARIANT_OVER combinations (the FAPI 2.0 plan's 32) runs its first
// combination, one variant, unless --whole-matrix.
// Then all the plans again in one command (`touchstone run <plan>… --plans-at-once 2`, the longest
// first), the matrix plan as a one-variant copy of itself (variants set to their first values), with
// each worker count.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { ModuleResult } from '../harness/core/types.ts';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { isMap, isSeq, parse, parseDocument } from 'yaml';
import { benchArgs, benchProviders, printFigures } from './bench-provider.ts';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
// Provider benchmark options (--requests, --concurrency, --warmup, --settle, --only) are taken out first.
const providerOpts = benchArgs(argv);
for (const flag of ['--requests', '--concurrency', '--warmup', '--settle', '--only']) {
  const i = argv.indexOf(flag);
  if (i >= 0) argv.splice(i, 2);
}
const providerOnly = argv.includes('--provider');
if (providerOnly) argv.splice(argv.indexOf('--provider'), 1);
const wholeMatrix = argv.includes('--whole-matrix');
if (wholeMatrix) argv.splice(argv.indexOf('--whole-matrix'), 1);
/** A matrix with more combinations than this runs one variant by default (its first combination). */
const ONE_VARIANT_OVER = 4;
const wi = argv.indexOf('--workers');
const workerCounts = wi >= 0 ? String(argv.splice(wi, 2)[1] ?? '2').split(',').map(Number).filter((n) => n > 0) : [1, 2];
const plans = argv.length ? argv : defaultPlans();
const cli = join(root, 'harness/cli.ts');

/** plans/*.yaml whose provider is launched as a process (container plans need an engine: ci-container.sh). */
function defaultPlans(): string[] {
  return readdirSync(join(root, 'plans'))
    .filter((f) => f.endsWith('.yaml'))
    .sort()
    .filter((f) => (parse(readFileSync(join(root, 'plans', f), 'utf8')) as { provider?: { launch?: string } })?.provider?.launch === 'process')
    .map((f) => `plans/${f}`);
}

const variantOf = new Map<string, Promise<{ key: string; of: number } | undefined>>();
/** The first combination's key when the plan is a matrix to run as one variant, else undefined (each plan loaded once). */
function oneVariant(plan: string): Promise<{ key: string; of: number } | undefined> {
  if (!variantOf.has(plan)) variantOf.set(plan, firstCombination(plan));
  return variantOf.get(plan)!;
}
async function firstCombination(plan: string): Promise<{ key: string; of: number } | undefined> {
  if (wholeMatrix) return undefined;
  const { loadSelection } = await import('../harness/run.ts');
  const { combinationsOf } = await import('../harness/plan/matrix.ts');
  const combos = combinationsOf((await loadSelection(join(root, plan))).plan);
  return combos.length > ONE_VARIANT_OVER ? { key: combos[0]!.key, of: combos.length } : undefined;
}

/**
 * A copy of a matrix plan with each listed variant set to its first value and the matrix entries of
 * the other values taken out (beside the plan, for its relative paths): the same units as
 * `--module '*[<first combination>]'`, as a plan of its own for the one-command run.
 */
function oneVariantCopy(plan: string): string {
  const doc = parseDocument(readFileSync(join(root, plan), 'utf8'));
  /** A YAML node's scalar text (a key or a value). */
  const text = (n: unknown) => String((n as { value?: unknown } | null)?.value ?? n);
  const chosen = new Map<string, string>();
  const variants = doc.get('variants');
  if (isMap(variants)) {
    for (const item of variants.items) {
      if (isSeq(item.value)) item.value = doc.createNode(String((item.value.toJSON() as unknown[])[0]));
      chosen.set(text(item.key), text(item.value));
    }
  }
  const matrix = doc.get('matrix');
  if (isMap(matrix)) {
    for (const dim of [...matrix.items]) {
      const names = text(dim.key).split('+');
      if (!isMap(dim.value)) continue;
      for (const entry of [...dim.value.items]) {
        const values = text(entry.key).split('+');
        if (!names.every((n, i) => chosen.get(n) === values[i])) dim.value.items.splice(dim.value.items.indexOf(entry), 1);
      }
      if (!dim.value.items.length) matrix.items.splice(matrix.items.indexOf(dim), 1);
    }
    if (!matrix.items.length) doc.delete('matrix');
  }
  const copy = join(dirname(plan), `.bench-${basename(plan)}`);
  writeFileSync(join(root, copy), doc.toString());
  return copy;
}

interface Row { plan: string; workers: number; combinations: number; modules: number; passed: number; skipped: number; gate: string; wallS: number; medianMs?: number; medianCodeFlowMs?: number; harnessPeakMiB?: number; exit: number | null }
const rows: Row[] = [];
/** Every code-flow module's time, by worker count, over all plans run. */
const codeFlows = new Map<number, number[]>();

/** Where the modules' time went, summed over a run's module reports (ModuleResult.timing). */
interface Breakdown { modules: number; ms: number; browserOpen: number; browser: number; http: number; waits: number; other: number; moduleMs: number[]; codeFlowMs: number[] }
const median = (xs: number[]) => {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return Math.round(s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2);
};
function breakdown(dir: string): Breakdown {
  const b: Breakdown = { modules: 0, ms: 0, browserOpen: 0, browser: 0, http: 0, waits: 0, other: 0, moduleMs: [], codeFlowMs: [] };
  const mods = join(dir, 'modules');
  if (!existsSync(mods)) return b;
  for (const f of readdirSync(mods).filter((n) => n.endsWith('.json'))) {
    const r = JSON.parse(readFileSync(join(mods, f), 'utf8')) as ModuleResult;
    const t = r.timing;
    if (!t) continue; // skipped or not applicable before any step ran
    b.modules++;
    b.ms += r.ms;
    b.moduleMs.push(r.ms);
    // A code-flow module: an authorization request in the browser and a code redeemed, nothing waited on.
    if (t.steps.some((s) => s.do === 'authorize') && t.steps.some((s) => s.do === 'token') && t.waitMs === 0) b.codeFlowMs.push(r.ms);
    const open = t.browserOpenMs ?? 0;
    const browser = t.browserMs ?? 0;
    b.browserOpen += open;
    b.browser += browser;
    b.http += t.httpMs;
    b.waits += t.waitMs;
    b.other += Math.max(0, r.ms - open - browser - t.httpMs - t.waitMs);
  }
  return b;
}
const pct = (part: number, all: number) => (all ? `${Math.round((100 * part) / all)}%` : '-');
const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

for (const plan of providerOnly ? [] : plans) {
  const variant = await oneVariant(plan);
  const only = variant ? ['--module', `*[${variant.key}]`] : [];
  if (variant) console.log(`${plan}: one variant, the first of its ${variant.of} combinations (${variant.key}); --whole-matrix runs them all`);
  for (const workers of workerCounts) {
    const dir = mkdtempSync(join(tmpdir(), 'touchstone-bench-'));
    const started = performance.now();
    // /usr/bin/time -f %M reports the CLI process's peak RSS (KiB); the provider and browser are
    // separate processes and not included.
    const useTime = spawnSync('/usr/bin/time', ['--version'], { stdio: 'ignore' }).status === 0;
    const cmd = useTime ? '/usr/bin/time' : process.execPath;
    const run = [cli, 'run', plan, ...only, '--workers', String(workers), '--report-dir', dir];
    const args = useTime ? ['-f', 'peak-rss-kib %M', process.execPath, ...run] : run;
    const res = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const wallS = (performance.now() - started) / 1000;
    let modules = 0;
    let passed = 0;
    let skipped = 0;
    let gate = 'no summary';
    // A variant matrix (harness/plan/matrix.ts): its combinations, run in the one command.
    let combos: { key: string; counts: { total: number; passed: number; warning: number } }[] = [];
    try {
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      modules = summary.counts.total;
      // A skip is not a pass (issue 12): passed counts modules whose rules held (warnings included).
      passed = summary.counts.passed + (summary.counts.warning ?? 0);
      skipped = (summary.counts.skipped ?? 0) + (summary.counts.not_applicable ?? 0);
      gate = summary.gate?.passed ? 'passed' : `FAILED (${(summary.gate?.reasons ?? []).join('; ')})`;
      combos = summary.matrix?.combinations ?? [];
    } catch {
      // no summary: the run failed before writing one; the exit code says so
    }
    const rss = /peak-rss-kib (\d+)/.exec(res.stderr ?? '')?.[1];
    const b = breakdown(dir);
    codeFlows.set(workers, [...(codeFlows.get(workers) ?? []), ...b.codeFlowMs]);
    rows.push({ plan: variant ? `${plan} (one variant)` : plan, workers, combinations: Math.max(1, combos.length), modules, passed, skipped, gate, wallS: Number(wallS.toFixed(1)), medianMs: median(b.moduleMs), medianCodeFlowMs: median(b.codeFlowMs), harnessPeakMiB: rss ? Math.round(Number(rss) / 1024) : undefined, exit: res.status });
    rmSync(dir, { recursive: true, force: true });
    console.log(`${plan}  workers=${workers}  modules=${modules}  passed=${passed}  skipped/n.a.=${skipped}  gate=${gate}  wall=${wallS.toFixed(1)} s  harness peak RSS=${rss ? Math.round(Number(rss) / 1024) + ' MiB' : 'n/a'}  exit=${res.status}`);
    for (const c of combos) console.log(`  combination ${c.key}: ${c.counts.total} modules, ${c.counts.passed + c.counts.warning} passed`);
    console.log(`  module time ${sec(b.ms)} over ${b.modules} modules (median ${median(b.moduleMs) ?? '-'} ms; code flow median ${median(b.codeFlowMs) ?? '-'} ms of ${b.codeFlowMs.length}): `
      + `browser start ${sec(b.browserOpen)} (${pct(b.browserOpen, b.ms)}), browser ${sec(b.browser)} (${pct(b.browser, b.ms)}), back-channel HTTP ${sec(b.http)} (${pct(b.http, b.ms)}), `
      + `waits on TTLs and polling ${sec(b.waits)} (${pct(b.waits, b.ms)}), harness (crypto, checks, scheduling) ${sec(b.other)} (${pct(b.other, b.ms)})`);
  }
}
if (!providerOnly) console.table(rows);
const ofWorkers = (workers: number) => rows.filter((r) => r.workers === workers);
const sumWall = (rs: Row[]) => rs.reduce((n, r) => n + r.wallS, 0).toFixed(1);
const plural = (n: number, w: string) => `${n} ${w}${n === 1 ? '' : 's'}`;
for (const workers of providerOnly ? [] : workerCounts) {
  const mine = ofWorkers(workers);
  console.log(`all ${mine.length} plans one after another, ${plural(workers, 'worker')}: ${mine.reduce((n, r) => n + r.modules, 0)} modules in ${sumWall(mine)} s`);
}
// The same plans in one command, two side by side (harness/plans-run.ts).
const together = new Map<number, string>();
if (!providerOnly && plans.length > 1) {
  const files = await Promise.all(plans.map(async (p) => ((await oneVariant(p)) ? oneVariantCopy(p) : p)));
  const copies = files.filter((f, i) => f !== plans[i]);
  try {
    for (const workers of workerCounts) {
      // Longest first (as the one-after-another runs measured them): the short ones fill in at the end.
      const wallOf = (i: number) => ofWorkers(workers).find((r) => r.plan.replace(/ \(one variant\)$/, '') === plans[i])?.wallS ?? 0;
      const list = files.map((f, i) => ({ f, w: wallOf(i) })).sort((a, b) => b.w - a.w).map((x) => x.f);
      const dir = mkdtempSync(join(tmpdir(), 'touchstone-bench-'));
      const started = performance.now();
      const res = spawnSync(process.execPath, [cli, 'run', ...list, '--plans-at-once', '2', '--workers', String(workers), '--report-dir', dir], { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
      const wallS = ((performance.now() - started) / 1000).toFixed(1);
      let line = `exit ${res.status}`;
      try {
        const r = JSON.parse(readFileSync(join(dir, 'plans.json'), 'utf8')) as { plans: { counts?: Record<string, number> }[]; gate: { passed: boolean } };
        const count = (k: string) => r.plans.reduce((n, p) => n + (p.counts?.[k] ?? 0), 0);
        line = `${count('total')} modules (${count('passed') + count('warning')} passed, ${count('skipped') + count('not_applicable')} skipped or not applicable), gate ${r.gate.passed ? 'passed' : 'FAILED'}`;
      } catch {
        // no plans.json: the exit code says why
      }
      together.set(workers, wallS);
      console.log(`all ${list.length} plans in one command (touchstone run <plans> --plans-at-once 2, longest first), ${plural(workers, 'worker')} each: ${line}, wall ${wallS} s`);
      rmSync(dir, { recursive: true, force: true });
    }
  } finally {
    for (const c of copies) rmSync(join(root, c), { force: true });
  }
}
// The whole FAPI 2.0 matrix (issue 14): every variant combination of the FAPI plan in one command.
for (const r of rows.filter((x) => /fapi2-security-profile\.yaml$/.test(x.plan))) {
  console.log(`whole FAPI 2.0 matrix (${r.plan}), ${r.workers} worker${r.workers === 1 ? '' : 's'}: ${r.combinations} variant combination${r.combinations === 1 ? '' : 's'}, ${r.modules} modules, gate ${r.gate}, wall ${r.wallS} s`);
}
if (!providerOnly) {
  console.log('goals on a 2-core machine (issue 16): code-flow module median <= 400 ms, default plan <= 12 s, one FAPI 2.0 variant <= 10 s, all process plans <= 60 s');
  for (const workers of workerCounts) {
    const mine = ofWorkers(workers);
    const wall = (re: RegExp) => mine.find((r) => re.test(r.plan))?.wallS;
    const flows = median(codeFlows.get(workers) ?? []);
    console.log(`reached, ${plural(workers, 'worker')}: code-flow module median ${flows ?? '-'} ms; default plan ${wall(/plans\/default\.yaml$/) ?? '-'} s; `
      + `one FAPI 2.0 variant ${wall(/fapi2-security-profile\.yaml \(one variant\)$/) ?? '-'} s; all ${mine.length} plans ${sumWall(mine)} s one after another`
      + `${together.has(workers) ? `, ${together.get(workers)} s in one command` : ''}`);
  }
}
console.log('');
printFigures(await benchProviders(providerOpts), providerOpts);
