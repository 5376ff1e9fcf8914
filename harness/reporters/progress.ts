// The terminal UI of `touchstone run`: one line per module as it finishes, then (printSummary,
// called by harness/run.ts once summary.json and the HTML report exist) a table, totals and paths.
// A vitest 5 Reporter; vitest's own console output is silenced by run.ts.
import type { Writable } from 'node:stream';
import { existsSync } from 'node:fs';
import type { Reporter, TestCase, TestModule, TestRunEndReason, Vitest } from 'vitest/node';
import type { ModuleResult, ModuleStatus, RunSummary } from '../core/types.ts';
import type { TouchstoneMeta } from './meta.ts';
import { displayPath, formatMs, makeStyle, paintStatus, STATUS_MARK, statusText, table, useColor, firstLine, type Style } from './format.ts';

export interface LiveResult {
  id: string;
  status: ModuleStatus;
  ms: number;
  reason?: string;
  failures: string[];
  /** Failed findings the plan's expected_failures hid. */
  expectedFailures?: number;
}

interface Options {
  out?: Writable & { isTTY?: boolean };
  color?: boolean;
  /** Masks a string before it is printed (secrets from the plan). */
  mask?: (s: string) => string;
  /** Called with the Vitest instance once it exists (run.ts uses it to own signal handling). */
  onInit?: (vitest: Vitest) => void;
  /** Each module's whole result as it finishes (run.ts writes the reports from these). */
  onResult?: (result: ModuleResult) => void;
}

const STATUS_WIDTH = 'not applicable'.length;
/** A finding under a progress line is cut here; the report has it whole. */
const MAX_LINE = 300;

export class ProgressReporter implements Reporter {
  readonly results = new Map<string, LiveResult>();
  /** Run-level problems: the suite failed to load, a hook failed, unhandled errors. Masked. */
  readonly errors: string[] = [];
  interrupted = false;
  /** Print nothing more (the run gave up before any module could run, e.g. the provider never started). */
  muted = false;
  private readonly out: Writable;
  private readonly style: Style;
  private readonly mask: (s: string) => string;
  private readonly init?: (vitest: Vitest) => void;
  private readonly onResult?: (result: ModuleResult) => void;
  private idWidth = 24;
  /** Tests vitest skipped without the suite deciding it (a beforeAll failed, the run was cancelled). */
  private notRun: LiveResult[] = [];

  constructor(opts: Options = {}) {
    this.out = opts.out ?? process.stdout;
    this.style = makeStyle(opts.color ?? useColor(opts.out ?? process.stdout));
    this.mask = opts.mask ?? ((s) => s);
    this.init = opts.onInit;
    this.onResult = opts.onResult;
  }

  onInit(vitest: Vitest): void {
    this.init?.(vitest);
  }

  private write(s: string): void {
    if (this.muted) return;
    this.out.write(`${s}\n`);
  }

  onTestModuleCollected(testModule: TestModule): void {
    for (const tc of testModule.children.allTests()) this.idWidth = Math.max(this.idWidth, tc.name.length);
  }

  private seen = new Set<string>();

  onTestCaseResult(testCase: TestCase): void {
    // A cancelled run reports its tests again at the end: one line per module, ever.
    if (this.seen.has(testCase.id)) return;
    this.seen.add(testCase.id);
    const meta = testCase.meta().touchstone as TouchstoneMeta | undefined;
    const result = testCase.result();
    let live: LiveResult;
    if (meta) {
      this.onResult?.(meta.result);
      live = { id: meta.id, status: meta.status, ms: meta.ms, reason: meta.reason, failures: meta.failures, expectedFailures: meta.counts?.expectedFailures };
    } else {
      // The module never produced a result: a hook failed, the test timed out, or it was skipped by vitest.
      const ms = testCase.diagnostic()?.duration ?? 0;
      if (result.state === 'failed') {
        const err = result.errors[0];
        live = { id: testCase.name, status: 'failed', ms, reason: this.mask(err ? firstLine(err.message ?? String(err)) : 'failed'), failures: [] };
      } else {
        // plan.suite.ts always records meta before it passes or skips; this one never ran (skipped,
        // or still pending when a cancelled run reports it). Reported at the end, as failed, once
        // the reason (a hook error, an interrupt) is known; never as passed.
        this.notRun.push({ id: testCase.name, status: 'failed', ms, reason: result.state === 'skipped' ? (result.note ?? 'not run') : 'not run', failures: [] });
        return;
      }
    }
    this.results.set(live.id, live);
    this.printLine(live);
  }

  private printLine(r: LiveResult): void {
    const s = this.style;
    const head = paintStatus(r.status, `${STATUS_MARK[r.status]} ${statusText(r.status).padEnd(STATUS_WIDTH)}`, s);
    const id = r.id.padEnd(this.idWidth);
    if (r.status === 'skipped' || r.status === 'not_applicable') {
      this.write(`${head}  ${id}  ${s.gray(`(${r.reason ?? statusText(r.status)})`)}`);
      return;
    }
    const hidden = r.expectedFailures ? s.gray(`  (${r.expectedFailures} expected failure${r.expectedFailures === 1 ? '' : 's'} hidden)`) : '';
    this.write(`${head}  ${id}  ${s.dim(formatMs(r.ms).padStart(6))}${hidden}`);
    if (r.status === 'failed' || r.status === 'warning') {
      let first = r.failures[0] ?? r.reason;
      if (first && first.length > MAX_LINE) first = `${first.slice(0, MAX_LINE - 1)}…`;
      if (first) this.write(`    ${r.status === 'failed' ? s.red(first) : s.yellow(first)}`);
      if (r.failures.length > 1) this.write(s.gray(`    (+${r.failures.length - 1} more finding${r.failures.length > 2 ? 's' : ''}; see the report)`));
    }
  }

  onTestRunEnd(testModules: ReadonlyArray<TestModule>, unhandledErrors: ReadonlyArray<unknown>, reason: TestRunEndReason): void {
    if (reason === 'interrupted') this.interrupted = true;
    const msg = (e: unknown) => this.mask(firstLine((e as { message?: string })?.message ?? e));
    for (const m of testModules) {
      for (const e of m.errors()) this.errors.push(`run setup failed: ${msg(e)}`);
      for (const suite of m.children.allSuites()) for (const e of suite.errors()) this.errors.push(`${suite.name}: ${msg(e)}`);
    }
    for (const e of unhandledErrors) this.errors.push(`unhandled error: ${msg(e)}`);
    const why = this.interrupted ? 'interrupted' : this.errors[0];
    for (const r of this.notRun) {
      r.reason = this.interrupted ? 'interrupted' : why ? `not run: ${why}` : 'not run';
      this.results.set(r.id, r);
      this.printLine(r);
    }
    this.notRun = [];
  }
}

export interface ReportPaths {
  runDir: string;
  html?: string;
  htmlError?: string;
  junit: string;
  summary: string;
  log?: string;
  /** html/threats.html, the threat table on its own page (also a global attachment of the Allure report). */
  threats?: string;
}

/** The closing block: per-module table, totals, wall time, report paths. */
export function printSummary(summary: RunSummary, paths: ReportPaths, opts: { out?: Writable & { isTTY?: boolean }; color?: boolean; errors?: string[]; /** false: no module ran, skip the table. */ table?: boolean } = {}): void {
  const out = opts.out ?? process.stdout;
  const s = makeStyle(opts.color ?? useColor(out));
  const w = (line = '') => out.write(`${line}\n`);
  const counterpart = (c: string | string[] | undefined) =>
    Array.isArray(c) ? `${c[0] ?? ''}${c.length > 1 ? s.gray(` (+${c.length - 1})`) : ''}` : (c ?? '');

  w();
  if (summary.modules.length && opts.table !== false) {
    w(table(['module', 'status', 'time', 'counterpart'], summary.modules.map((m) => [
      m.id,
      paintStatus(m.status, `${STATUS_MARK[m.status]} ${statusText(m.status)}`, s) + (m.expectedFailures?.length ? s.gray(` (${m.expectedFailures.length} expected failure${m.expectedFailures.length === 1 ? '' : 's'})`) : ''),
      m.status === 'skipped' || m.status === 'not_applicable' ? '' : formatMs(m.ms),
      counterpart(m.counterpart),
    ]), s));
    w();
  }
  for (const e of opts.errors ?? []) w(s.red(`error: ${e}`));
  const c = summary.counts;
  const parts = [
    c.passed ? s.green(`${c.passed} passed`) : `${c.passed} passed`,
    c.failed ? s.red(`${c.failed} failed`) : `${c.failed} failed`,
    c.warning ? s.yellow(`${c.warning} warning${c.warning === 1 ? '' : 's'}`) : '0 warnings',
    `${c.skipped} skipped`,
    `${c.not_applicable ?? 0} not applicable`,
  ];
  if (c.expectedFailures) parts.push(s.yellow(`${c.expectedFailures} expected failure${c.expectedFailures === 1 ? '' : 's'} hidden`));
  w(`${s.bold(`${c.total} module${c.total === 1 ? '' : 's'}`)}: ${parts.join(', ')}  ${s.gray(`(wall ${formatMs(summary.ms)}, ${summary.workers} worker${summary.workers === 1 ? '' : 's'})`)}`);
  // A matrix run: one line per combination (summary.json `matrix`).
  for (const m of summary.matrix?.combinations ?? []) {
    const k = m.counts;
    w(`  ${m.key}: ${k.total} modules, ${k.failed ? s.red(`${k.failed} failed`) : '0 failed'}, ${k.passed} passed, ${k.warning} warnings, ${k.skipped} skipped, ${k.not_applicable} not applicable`);
  }
  if (summary.threats) {
    // The threat table's totals (summary.json `threats`, the HTML report's threat table); each threat left open by name.
    const t = summary.threats.counts;
    w(`${s.bold('threats')}: ${t.mitigated ? s.green(`${t.mitigated} mitigated`) : '0 mitigated'}, ${t.not_mitigated ? s.red(`${t.not_mitigated} not mitigated`) : '0 not mitigated'}, ${t.not_tested} not tested`);
    for (const row of summary.threats.table.filter((r) => r.verdict === 'not_mitigated')) {
      const mods = row.modules.filter((m) => m.outcome === 'failed' || m.outcome === 'expected_failure').map((m) => (m.outcome === 'expected_failure' ? `${m.id} (expected failure)` : m.id));
      w(s.red(`  not mitigated: ${row.id} ${row.title} (${row.cites}): ${mods.join(', ')}`));
    }
  }
  const strict = summary.gate?.mode === 'strict';
  for (const u of summary.unmetExpectedFailures ?? []) {
    const line = `${strict ? 'unmet' : 'warning: unmet'} expected failure: ${u.module} [${u.check}]${u.rule ? ` ${u.rule}` : ''} did not fail (reason given: ${u.reason})`;
    w(strict ? s.red(line) : s.yellow(line));
  }
  if (summary.gate) {
    const g = summary.gate;
    const name = `gate (${strict ? '--strict: skips, warnings and unmet expected failures fail it' : 'default: failures and a run where nothing passed fail it'})`;
    w(`${name}: ${g.passed ? s.green('passed') : s.red(`FAILED, ${g.reasons.join('; ')}`)}`);
  }
  w();
  w(`reports: ${displayPath(paths.runDir)}/`);
  if (paths.html) w(`  html     ${displayPath(paths.html)}`);
  else if (paths.htmlError) w(s.yellow(`  html     not generated: ${paths.htmlError}`));
  if (existsSync(paths.junit)) w(`  junit    ${displayPath(paths.junit)}`);
  if (paths.threats) w(`  threats  ${displayPath(paths.threats)}`);
  w(`  summary  ${displayPath(paths.summary)}`);
  if (paths.log && existsSync(paths.log)) w(`  provider ${displayPath(paths.log)}`);
}
