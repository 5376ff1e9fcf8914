// `touchstone run`: load the plan, start the target provider, run the selected modules as a vitest
// suite (suites/plan.suite.ts) with the progress, JUnit and Allure reporters, then write summary.json
// and the single-file HTML report (reporters/output.ts, shared with `touchstone merge`). With --shard
// i/n only that shard's slice of the selection runs (harness/shard.ts). Returns the exit code: 0 the
// gate passed, 1 it failed (a module failed, nothing passed, the run could not complete; with
// --strict also a skip, a warning or an unmet expected failure), 2 bad usage or bad plan, 130
// interrupted.
import { existsSync, readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { availableParallelism, tmpdir } from 'node:os';
import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Plan, ModuleDef, ModuleResult } from './core/types.ts';
import { ProgressReporter } from './reporters/progress.ts';
import { buildSummary, writeSummary } from './reporters/summary.ts';
import { junitXml } from './reporters/junit.ts';
import { writeReports } from './reporters/output.ts';
import { htmlBuilder, type HtmlBuilder } from './reporters/allure-html.ts';
import { AllureWriter } from './reporters/allure.ts';
import { displayPath, firstLine, makeStyle, outputLines, useColor } from './reporters/format.ts';
import { ENV, targetFileOf, type RunHandOver, type TargetEnv } from './reporters/meta.ts';
import { shardSlice, type Shard } from './shard.ts';
import { replayInfo } from './replay-record.ts';
import { combinationsOf, providerGroups, splitSelector, unitsOf, type Unit } from './plan/matrix.ts';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SUITE = 'suites/plan.suite.ts';
/** Busy modules at once by default: one per core, at least 2, at most 6 (where the harness process,
 *  Chromium's browser process and the provider, each single-threaded, saturate). */
const DEFAULT_WORKERS = Math.max(2, Math.min(availableParallelism(), 6));
/** Modules started per worker: one busy, the others queued for a slot or waiting on the provider. */
const WAITING_PER_WORKER = 8;
const MODULE_TIMEOUT_MS = Number(process.env.TOUCHSTONE_MODULE_TIMEOUT_MS) || 120_000;
const INTERRUPT_GRACE_MS = 5_000;

export interface RunOptions {
  /** --module ids or globs, intersected with the plan's own selection. */
  modules?: string[];
  workers?: number;
  /** --report-dir: write this run's reports here instead of reports/<stamp>-<plan>/. */
  reportDir?: string;
  /** --strict: skips, warnings and unmet expected failures fail the gate (not-applicable modules do not). */
  strict?: boolean;
  /** --json: the run summary (as in summary.json) is the only stdout output; progress goes to stderr. */
  json?: boolean;
  /** --shard i/n: run only this shard's slice of the selection (harness/shard.ts). */
  shard?: Shard;
  /** touchstone replay: run this one module (recorded in a report), whether or not the plan selects it. */
  replay?: { module: ModuleDef; variants?: Record<string, string> };
}

/** A problem with the user's input: printed as one line, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Artifacts a run writes; only these are cleared when --report-dir points at a used directory. */
export const ARTIFACTS = ['summary.json', 'junit.xml', 'allure-results', 'html', 'modules', 'evidence', 'provider.log', 'container.log'];


/** One line for an error thrown while loading or selecting: PlanError messages already name the path. */
export function planErrorLine(err: unknown, planFile: string): string {
  const e = err as NodeJS.ErrnoException;
  if (e?.code === 'ENOENT') return `${displayPath(planFile)}: no such file`;
  if (e?.code === 'EISDIR') return `${displayPath(planFile)}: is a directory, expected a plan file (.yaml)`;
  if (e?.name === 'PlanError' || err instanceof UsageError) return firstLine(err);
  const line = firstLine(err);
  return line.includes(basename(planFile)) ? line : `${displayPath(planFile)}: ${line}`;
}

type Engine = typeof import('./engine/api.ts');
let enginePromise: Promise<Engine> | undefined;
/** The engine surface, loaded on first use (keeps `touchstone --help` instant). */
export const engine = (): Promise<Engine> => (enginePromise ??= import('./engine/api.ts'));

export interface Selection {
  plan: Plan;
  catalog: ReturnType<Engine['loadCatalog']>;
  /** The selected modules (each runs once per combination of a matrix plan). */
  modules: ModuleDef[];
  /** What the run runs: each selected module in each combination (harness/plan/matrix.ts), combination by combination. */
  units: Unit[];
}

/** loadPlan + loadCatalog + selectModules, with every user error turned into a UsageError line. */
export async function loadSelection(planFile: string, filters: string[] = []): Promise<Selection> {
  const api = await engine();
  let plan: Plan;
  let catalog: Selection['catalog'];
  let modules: ModuleDef[];
  try {
    plan = await api.loadPlan(planFile);
    catalog = api.loadCatalog(plan);
    // Every plan.modules entry must select something: a typo'd id is an error, not a silent no-op.
    plan.modules.forEach((entry, i) => {
      if (api.selectModules({ ...plan, modules: [entry] }, catalog).length === 0) {
        throw new UsageError(`${displayPath(planFile)}: /modules/${i} "${entry}" matches no module (see \`touchstone list\` on a plan with modules: ["*"])`);
      }
    });
    modules = api.selectModules(plan, catalog);
  } catch (err) {
    throw new UsageError(planErrorLine(err, planFile));
  }
  if (modules.length === 0) throw new UsageError(`${displayPath(planFile)}: /modules selects no module`);
  for (const f of filters) {
    let hit: ModuleDef[];
    try {
      hit = api.selectModules(plan, catalog, [splitSelector(f).module]);
    } catch (err) {
      throw new UsageError(`--module ${f}: ${firstLine(err)}`);
    }
    if (hit.length === 0) throw new UsageError(`--module ${f}: matches none of the ${modules.length} modules ${displayPath(planFile)} selects (see \`touchstone list ${displayPath(planFile)}\`)`);
  }
  if (filters.length) modules = api.selectModules(plan, catalog, filters.map((f) => splitSelector(f).module));
  // A filter `<id or glob>[<combination>]` keeps the module in that combination only.
  const keys = new Set(combinationsOf(plan).map((c) => c.key));
  for (const f of filters) {
    const { key } = splitSelector(f);
    if (key !== undefined && !keys.has(key)) {
      throw new UsageError(`--module ${f}: no combination ${key} in ${displayPath(planFile)} (its combinations: ${[...keys].join('; ') || 'none, the plan has no matrix'})`);
    }
  }
  const picked = new Set(modules);
  const units = unitsOf(plan, () => modules).filter((u) => picked.has(u.module) && (filters.length === 0 || filters.some((f) => {
    const { module, key } = splitSelector(f);
    return (key === undefined || key === u.combination.key) && api.selectModules(plan, catalog, [module]).includes(u.module);
  })));
  return { plan, catalog, modules, units };
}

/**
 * touchstone replay: the one module, as the plan's catalogue has it (a suite module or the plan's
 * own `define:`), else the recorded definition, added to the catalogue (`injected`, handed to the suite).
 */
export async function replaySelection(planFile: string, mod: ModuleDef, variants: Record<string, string> = {}): Promise<Selection & { injected?: ModuleDef }> {
  const api = await engine();
  let plan: Plan;
  let catalog: Selection['catalog'];
  try {
    plan = await api.loadPlan(planFile);
    catalog = api.loadCatalog(plan);
  } catch (err) {
    throw new UsageError(planErrorLine(err, planFile));
  }
  // A matrix plan: the combination the module ran in (its recorded variants), else the first.
  const inRecorded = <T extends Unit>(units: T[]): T[] => [units.find((u) => Object.entries(u.combination.variants).every(([k, v]) => variants[k] === v)) ?? units[0]!];
  const own = catalog.modules.get(mod.id);
  if (own) return { plan, catalog, modules: [own], units: inRecorded(unitsOf(plan, () => [own])) };
  const injected: ModuleDef = { ...mod, source: plan.file ?? resolve(planFile) };
  catalog = api.loadCatalog({ ...plan, define: [...(plan.define ?? []), injected] });
  const problem = api.moduleProblems(injected, catalog)[0];
  if (problem) throw new UsageError(`replayed module ${mod.id}: ${problem}`);
  return { plan, catalog, modules: [injected], units: inRecorded(unitsOf(plan, () => [injected])), injected };
}

const pad2 = (n: number) => String(n).padStart(2, '0');
function stamp(d: Date): string {
  return `${d.getFullYear()}${pad2(d.getMonth() + 1)}${pad2(d.getDate())}-${pad2(d.getHours())}${pad2(d.getMinutes())}${pad2(d.getSeconds())}`;
}
const slug = (s: string) => s.toLowerCase().replace(/[^a-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'plan';

/** reports/<YYYYMMDD-HHMMSS>-<name>/ (suffixed -2, -3… on a collision), or the --report-dir. */
export async function makeRunDir(name: string, reportDir: string | undefined, started: Date): Promise<{ runDir: string; isDefault: boolean }> {
  if (reportDir) {
    const runDir = resolve(reportDir);
    if (existsSync(runDir) && !(await stat(runDir)).isDirectory()) throw new UsageError(`--report-dir ${reportDir}: exists and is not a directory`);
    await mkdir(runDir, { recursive: true });
    for (const a of ARTIFACTS) await rm(join(runDir, a), { recursive: true, force: true });
    // The logs of a matrix run's other providers (providerLog).
    for (const a of await readdir(runDir)) if (/^provider-\d+\.log$/.test(a)) await rm(join(runDir, a), { force: true });
    return { runDir, isDefault: false };
  }
  const root = resolve('reports');
  await mkdir(root, { recursive: true });
  const base = `${stamp(started)}-${slug(name)}`;
  for (let i = 1; ; i++) {
    const runDir = join(root, i === 1 ? base : `${base}-${i}`);
    try {
      await mkdir(runDir);
      return { runDir, isDefault: true };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
}

/** reports/latest -> <run dir> (relative symlink, swapped atomically); reports/latest.txt where symlinks fail. */
export async function pointLatest(runDir: string): Promise<void> {
  const root = dirname(runDir);
  const tmp = join(root, `.latest-${process.pid}`);
  try {
    await unlink(tmp).catch(() => {});
    await symlink(basename(runDir), tmp);
    await rename(tmp, join(root, 'latest'));
  } catch {
    await unlink(tmp).catch(() => {});
    await writeFile(join(root, 'latest.txt'), `${basename(runDir)}\n`).catch(() => {});
  }
}

/** Write a hand-over file atomically (the suite watches for its name), readable by this user only. */
async function handOver(file: string, value: TargetEnv | RunHandOver | { error: string }): Promise<void> {
  const tmp = `${file}.part`;
  await writeFile(tmp, JSON.stringify(value), { mode: 0o600 });
  await rename(tmp, file);
}

/** Defence in depth: mask plan secrets in every text artifact (junit.xml, allure-results, provider.log). */
async function scrub(paths: string[], mask: (s: string) => string): Promise<void> {
  const textual = /\.(json|xml|txt|log|html?|md|csv|ya?ml)$/i;
  for (const p of paths) {
    let st;
    try { st = await stat(p); } catch { continue; }
    if (st.isDirectory()) {
      await scrub((await readdir(p)).map((n) => join(p, n)), mask);
    } else if (textual.test(p)) {
      const before = await readFile(p, 'utf8');
      const after = mask(before);
      if (after !== before) await writeFile(p, after);
    }
  }
}

/**
 * `--workers`, else the plan file's settings.workers read as plain YAML, else the default: how many
 * modules vitest starts at once is decided before the plan is loaded and checked (a plan that
 * `extends` another, or a file that fails its checks, gets the default; the engine's run slots
 * keep the real number busy either way).
 */
function workersHint(planFile: string, workers: number | undefined): number {
  if (workers) return workers;
  try {
    const w = (parseYaml(readFileSync(planFile, 'utf8')) as { settings?: { workers?: unknown } } | null)?.settings?.workers;
    return typeof w === 'number' && Number.isInteger(w) && w > 0 ? w : DEFAULT_WORKERS;
  } catch {
    return DEFAULT_WORKERS;
  }
}

/** The vitest run of suites/plan.suite.ts, its output kept (shown only when no module result came). */
async function startSuite(o: { planFile: string; targetFile: string; runFile: string; workers: number; reporter: ProgressReporter; vitestOut: Buffer[] }): Promise<unknown> {
  const { startVitest } = await import('vitest/node');
  const sink = new Writable({ write(chunk: Buffer, _enc, cb) { o.vitestOut.push(Buffer.from(chunk)); cb(); } });
  return startVitest([], {
    config: false,
    root: ROOT,
    include: [SUITE],
    watch: false,
    maxWorkers: 1,
    // Modules started at once; the engine's run slots keep `workers` of them busy and let the
    // others wait on TTLs and polling intervals meanwhile (harness/engine/slots.ts).
    maxConcurrency: o.workers * WAITING_PER_WORKER,
    // The harness is TypeScript Node 24 runs as is: native import, no Vite transform of every
    // engine file at each run (about 2 s of a run's start on 2 cores); and no load hook parsing
    // every module for vi.mock calls (the suite mocks nothing).
    experimental: { viteModuleRunner: false, nodeLoader: false },
    testTimeout: MODULE_TIMEOUT_MS,
    hookTimeout: 120_000, // the suite's wait for the provider has its own (none: this process always answers)
    silent: true,
    reporters: [o.reporter],
    env: { [ENV.runFile]: o.runFile, [ENV.targetFile]: o.targetFile },
  }, undefined, { stdout: sink, stderr: sink });
}

/** A unit as the reporters list it: the module under its unit id, with its combination (matrix runs). */
export function reportDef(u: Unit): ModuleDef & { module?: string; combination?: Record<string, string> } {
  return u.combination.key ? { ...u.module, id: u.id, module: u.module.id, combination: u.combination.variants } : u.module;
}

/** The log of provider group g: provider.log for the first, provider-2.log… for the others. */
export const providerLog = (runDir: string, g: number): string => join(runDir, g === 0 ? 'provider.log' : `provider-${g + 1}.log`);

export async function runPlan(planFile: string, opts: RunOptions = {}): Promise<number> {
  const err = (line: string) => process.stderr.write(`touchstone: ${line}\n`);
  // --json: stdout carries the summary alone, everything a person reads goes to stderr.
  const out = opts.json ? process.stderr : process.stdout;
  const style = makeStyle(useColor(out));
  const started = new Date();
  const t0 = performance.now();

  // ---- interrupts: the first Ctrl-C cancels the run (running modules get a grace period), stops
  // the provider and still writes the reports; a second one exits at once.
  let interrupted = false;
  let cancel: (() => void) | undefined;
  let onInterrupt: (() => void) | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) {
      err(`${sig} again: exiting without cleanup`);
      process.exit(130);
    }
    interrupted = true;
    err(`${sig}: cancelling the run and stopping the provider (again to force)`);
    cancel?.();
    onInterrupt?.();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  // Vitest's logger exits the process on SIGINT/SIGTERM from the moment vitest is created (before
  // the reporter's onInit); the run must stop the provider and write its reports first: any other
  // handler is taken off as it comes.
  const onlyOurs = (event: string | symbol, listener: (...args: unknown[]) => void) => {
    if ((event === 'SIGINT' || event === 'SIGTERM') && listener !== onSignal) queueMicrotask(() => process.off(event, listener));
  };
  process.on('newListener', onlyOurs);
  const signalsOff = () => {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.off('newListener', onlyOurs);
  };

  // ---- the modules run as a vitest run, started first: vitest's start and its worker's imports
  // (over a second on 2 cores) overlap the plan's load here. The suite waits for the run file
  // (RunHandOver: the selected units, the run dir) and for each provider's target file.
  const handoff = await mkdtemp(join(tmpdir(), 'touchstone-target-'));
  const targetFile = join(handoff, 'target.json');
  const runFile = join(handoff, 'run.json');
  let runError: string | undefined;
  // Set once the plan is loaded; results only come after that.
  let record: (r: ModuleResult) => void = () => {};
  let mask = (s: string): string => s;
  const reporter = new ProgressReporter({
    out,
    mask: (s) => mask(s),
    onResult: (r) => record(r),
    onInit: (vitest) => {
      cancel = () => { void vitest.cancelCurrentRun('keyboard-input'); };
      if (interrupted) cancel();
    },
  });
  const vitestOut: Buffer[] = [];
  const finished = startSuite({ planFile, targetFile, runFile, workers: workersHint(planFile, opts.workers), reporter, vitestOut }).then(() => 'done' as const, (e: unknown) => {
    runError = `test runner failed: ${mask(firstLine(e))}`;
    return 'done' as const;
  });
  /** The run stops before any module: the suite is told so, and the run waits for vitest to end. */
  const abandon = async (why: string) => {
    reporter.muted = true;
    await handOver(runFile, { error: why });
    await finished;
    signalsOff();
    await rm(handoff, { recursive: true, force: true });
  };

  // ---- plan, selection, run dir: user errors exit 2
  let sel: Selection & { injected?: ModuleDef };
  let runDir: string;
  let isDefault: boolean;
  try {
    sel = opts.replay ? await replaySelection(planFile, opts.replay.module, opts.replay.variants) : await loadSelection(planFile, opts.modules);
    ({ runDir, isDefault } = await makeRunDir(sel.plan.name, opts.reportDir, started));
  } catch (e) {
    await abandon(e instanceof UsageError ? e.message : firstLine(e));
    if (e instanceof UsageError) {
      err(e.message);
      return 2;
    }
    throw e;
  }
  const api = await engine();
  const { plan } = sel;
  // A shard slices the run's units (module × combination, harness/plan/matrix.ts), not its modules.
  const units = opts.shard ? shardSlice(sel.units, opts.shard) : sel.units;
  const shard = opts.shard && { ...opts.shard, selected: sel.units.length };
  const shardName = shard && `shard ${shard.index}/${shard.total}`;
  const workers = opts.workers ?? plan.settings?.workers ?? DEFAULT_WORKERS;
  const combos = combinationsOf(plan);
  const secrets = [...new Set(combos.flatMap((c) => api.secretsOf(c.plan)))];
  mask = (s: string): string => api.maskSecrets(s, secrets);
  const logFile = join(runDir, 'provider.log');
  const ids = units.map((u) => u.id);
  const modules = units.map(reportDef);
  // One provider per distinct provider setup among the combinations this run (or shard) has.
  const groups = providerGroups(combos);
  const groupOf = (u: Unit) => groups.of[combos.findIndex((c) => c.key === u.combination.key)]!;
  const needed = [...new Set(units.map(groupOf))].sort((a, b) => a - b);
  // The combinations this run (or shard) has units in: only their client certificates are made.
  const used = new Set(units.map((u) => u.combination.key));
  if (isDefault) await pointLatest(runDir);

  if (shard && ids.length === 0) {
    // More shards than modules: nothing to run. The summary says so and its gate passes; the real
    // gate is decided by `touchstone merge` over all the shards.
    const empty = buildSummary({
      results: new Map(), plan: plan.name, planFile: plan.file ?? resolve(planFile), startedAt: started.toISOString(),
      ms: Math.round(performance.now() - t0), workers: 0, issuer: plan.provider.issuer ?? '', faults: plan.provider.faults ?? [],
      modules: [], strict: opts.strict, shard,
    });
    empty.gate = { mode: empty.gate.mode, passed: true, reasons: [`empty shard: ${shardName} of a ${shard.selected}-module selection runs no module (the gate is decided at merge)`] };
    const masked = api.maskSecrets(empty, secrets);
    await writeSummary(runDir, masked);
    await writeFile(join(runDir, 'junit.xml'), junitXml(masked));
    out.write(`touchstone: ${shardName}: 0 of ${shard.selected} modules, nothing to run (wrote ${displayPath(join(runDir, 'summary.json'))})\n`);
    if (opts.json) process.stdout.write(`${JSON.stringify(masked, null, 2)}\n`);
    await abandon('an empty shard runs no module');
    return 0;
  }

  const matrixNote = plan.matrix && combos.length > 1 ? ` (${sel.modules.length} × ${combos.length} combinations)` : '';
  const count = shard ? `${shardName}: ${ids.length} of ${shard.selected} modules${matrixNote}` : `${ids.length} module${ids.length === 1 ? '' : 's'}${matrixNote}`;
  out.write(`${style.bold('touchstone')} ${style.gray('·')} plan ${style.bold(plan.name)} (${displayPath(plan.file ?? resolve(planFile))}) ${style.gray('·')} ${count} ${style.gray('·')} ${workers} worker${workers === 1 ? '' : 's'}\n`);

  const targets = new Map<number, Awaited<ReturnType<Engine['startTarget']>>>();
  let startFailed = false;

  // Reports are written here, in the harness process, from the stream of module results the suite
  // emits (task meta): modules/<id>.json and Allure as each module ends, summary and JUnit at the end.
  const results = new Map<string, ModuleResult>();
  const writes: Promise<void>[] = [];
  const reportErrors: string[] = [];
  const defs = new Map(units.map((u) => [u.id, u]));
  let allure: AllureWriter | undefined;
  await mkdir(join(runDir, 'modules'), { recursive: true });
  // The HTML report's builder starts with the first result: its imports overlap the modules.
  let html: HtmlBuilder | undefined;
  record = (r: ModuleResult) => {
    results.set(r.id, r);
    html ??= htmlBuilder();
    allure ??= new AllureWriter(join(runDir, 'allure-results'), { plan: plan.name, issuer: targetInfo.issuer, faults: targetInfo.faults, variants: { ...plan.variants, ...plan.matrix?.dimensions } });
    const w = allure;
    writes.push((async () => {
      const unit = defs.get(r.id);
      // What `touchstone replay` needs: the plan and the module as it ran (harness/replay.ts).
      const recorded = unit ? { ...r, replay: replayInfo(unit.combination.plan, plan.file ?? resolve(planFile), unit.module, sel.catalog) } : r;
      await writeFile(join(runDir, 'modules', `${r.id}.json`), `${JSON.stringify(recorded, null, 2)}\n`);
      await w.module(unit ? reportDef(unit) : r, r);
    })().catch((e: unknown) => { reportErrors.push(`writing the report of ${r.id} failed: ${mask(firstLine(e))}`); }));
  };
  const firstPlan = groups.plans[needed[0] ?? 0] ?? plan;
  let targetInfo: TargetEnv = { issuer: firstPlan.provider.issuer ?? '', ttl: { ...firstPlan.provider.ttl }, faults: firstPlan.provider.faults ?? [] };
  // The suite learns what to run (a file: a matrix's ids outgrow one environment string, 128 KiB
  // on Linux). The target reaches it through another private file (it holds the run's forging
  // key): written once the provider answers, or with the error that stopped it.
  // Interrupted while the plan loaded: no provider starts and no module runs; the reports say so.
  await handOver(runFile, interrupted ? { error: 'interrupted before the run started' } : {
    plan: plan.file ?? resolve(planFile), runDir, ids, workers,
    browser: units.some((u) => api.needsBrowser(u.module, sel.catalog)),
    ...(sel.injected ? { define: [sel.injected] } : {}),
    builtin: api.builtinCatalogData(),
  });
  try {
    // ---- the target providers (one per distinct provider setup of the matrix; one for a plain
    // plan) start side by side while vitest and its worker start (each takes about a second here);
    // the suite's beforeAll waits for their target files.
    const served = (g: number) => combos.filter((_, i) => groups.of[i] === g).map((c) => c.key).filter(Boolean);
    const targetReady = Promise.all((interrupted ? [] : needed).map((g) => api.startTarget(groups.plans[g]!, { logFile: providerLog(runDir, g), combinations: combos.filter((c, i) => groups.of[i] === g && c.plan !== groups.plans[g] && used.has(c.key)) }).then(async (t) => {
      targets.set(g, t);
      const info: TargetEnv = { issuer: t.issuer, ttl: t.ttl, faults: t.faults, forgingKey: t.forgingKey, ...(t.instances ? { instances: t.instances } : {}), ...(t.ca ? { ca: t.ca } : {}), ...(t.callback ? { callback: { base: t.callback.base, secret: t.callback.secret } } : {}), ...(t.clientCerts ? { clientCerts: t.clientCerts } : {}), ...(t.combinationCerts ? { combinationCerts: t.combinationCerts } : {}) };
      if (g === needed[0]) targetInfo = info;
      const forCombos = served(g).length && combos.length > 1 ? style.gray(`  for ${served(g).join('; ')}`) : '';
      out.write(`${style.gray('provider')} ${t.issuer}${t.instances ? style.gray(`  instances: ${t.instances.join(' ')}`) : ''}${t.faults.length ? style.yellow(`  faults: ${t.faults.join(', ')}`) : ''}${forCombos}\n${g === needed.at(-1) ? '\n' : ''}`);
      await handOver(targetFileOf(targetFile, g), info);
    }, async (e: unknown) => {
      startFailed = true;
      runError ??= `could not start the provider: ${mask(firstLine(e))}`;
      err(runError);
      reporter.muted = true;
      cancel?.();
      await handOver(targetFileOf(targetFile, g), { error: runError });
    })));

    // ---- the modules (the vitest run started above)
    // Interrupted: modules already running get INTERRUPT_GRACE_MS to finish, then we stop waiting.
    const gaveUp = new Promise<'gave-up'>((resolveGrace) => {
      onInterrupt = () => setTimeout(() => resolveGrace('gave-up'), INTERRUPT_GRACE_MS).unref();
      if (interrupted) onInterrupt();
    });
    const outcome = await Promise.race([finished, gaveUp]);
    await targetReady;
    process.exitCode = undefined; // vitest sets it; the exit code is ours to decide
    if (startFailed) {
      // The provider never started: what vitest said about the suite that waited for it is noise.
      reporter.results.clear();
      reporter.errors.length = 0;
    } else if (outcome === 'gave-up') {
      runError = `interrupted: modules still running after ${INTERRUPT_GRACE_MS / 1000}s were abandoned`;
    } else if (!runError && !interrupted && reporter.results.size === 0 && reporter.errors.length === 0) {
      const said = outputLines(mask(Buffer.concat(vitestOut).toString('utf8'))).find((l) => /error/i.test(l));
      runError = `the test runner reported no module results${said ? `: ${said}` : ''}`;
    }
  } finally {
    await Promise.all([...targets.values()].map(async (t) => {
      try {
        await t.stop();
      } catch (e) {
        err(`stopping the provider failed: ${mask(firstLine(e))}`);
      }
    }));
    signalsOff();
    await rm(handoff, { recursive: true, force: true });
  }

  // ---- reports: mask, summary.json, junit.xml, html
  await Promise.all(writes);
  const targetLog = targets.get(needed[0]!)?.logFile ?? logFile;
  const logs = needed.map((g) => targets.get(g)?.logFile ?? providerLog(runDir, g));
  await scrub([join(runDir, 'junit.xml'), join(runDir, 'allure-results'), ...logs, join(runDir, 'modules')], mask);
  const errors = [...reporter.errors, ...reportErrors];
  if (runError) errors.unshift(runError);
  const summary = buildSummary({
    results, plan: plan.name, planFile: plan.file ?? resolve(planFile), startedAt: started.toISOString(),
    ms: Math.round(performance.now() - t0), workers, issuer: targetInfo.issuer, faults: targetInfo.faults,
    modules, fallback: reporter.results,
    missingReason: interrupted ? 'interrupted before the module finished' : (runError ?? reporter.errors[0]),
    strict: opts.strict, errors, shard,
  });
  const masked = api.maskSecrets(summary, secrets);
  const code = await writeReports(runDir, masked, {
    out, json: opts.json, log: targetLog, errors: startFailed ? errors.slice(1) : errors,
    table: !startFailed && targets.size > 0 && !interrupted || reporter.results.size > 0, wallMs: () => Math.round(performance.now() - t0), html,
  });
  if (interrupted) return 130;
  return code;
}
