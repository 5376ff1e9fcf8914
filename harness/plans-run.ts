// `touchstone run <plan> <plan>…`: several plans in one command, a release gate over all of them.
// Each plan runs as its own `touchstone run <plan> --json` (its provider, its vitest run, its
// Chromium, its reports in <dir>/<plan>/), `--plans-at-once` of them side by side: one plan's
// start, end and waits on TTLs leave the machine's cores idle that another plan's modules use.
// The parent prints a line per plan as it ends, writes <dir>/plans.json (each plan's exit, gate,
// counts and wall, and the combined gate) and <dir>/junit.xml (every plan's testsuite), and exits 0 only when every plan's gate passed: 2 when
// a plan was invalid, 1 when a gate failed, 130 when interrupted.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, join, resolve } from 'node:path';
import type { RunSummary } from './core/types.ts';
import { makeRunDir, UsageError } from './run.ts';
import { displayPath, formatMs, makeStyle, outputLines, useColor } from './reporters/format.ts';
import { combinedJunitXml } from './reporters/junit.ts';

const CLI = join(import.meta.dirname, 'cli.ts');

export interface PlansRunOptions {
  workers?: number;
  reportDir?: string;
  strict?: boolean;
  json?: boolean;
  /** Plans run side by side (default: half the cores, at least 2). */
  atOnce?: number;
}

/** What a run's `--json` summary gives this command. */
type PlanSummary = Partial<Pick<RunSummary, 'counts' | 'modules' | 'gate'>>;

export interface PlanOutcome {
  plan: string;
  reportDir: string;
  exit: number;
  ms: number;
  gate?: PlanSummary['gate'];
  counts?: PlanSummary['counts'];
  /** The modules that failed (ids). */
  failed?: string[];
  /** What the run said on stderr when it wrote no summary (an invalid plan, a crash): its last lines. */
  said?: string;
}


/** A report dir name per plan: its file name, made unique by its folders when two plans share one. */
export function planDirNames(planFiles: string[]): string[] {
  const stem = (f: string) => basename(f).replace(/\.ya?ml$/i, '');
  const names = planFiles.map((f) => {
    const clash = planFiles.filter((g) => stem(g) === stem(f)).length > 1;
    return (clash ? displayPath(resolve(f)).replace(/\.ya?ml$/i, '') : stem(f)).replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+/, '') || 'plan';
  });
  return names.map((n, i) => (names.indexOf(n) === i ? n : `${n}-${i + 1}`));
}

/** The combined exit: 130 interrupted, 2 any plan invalid, 1 any other failure, else 0. */
export function combinedExit(exits: number[], interrupted: boolean): number {
  if (interrupted) return 130;
  if (exits.includes(2)) return 2;
  return exits.every((e) => e === 0) ? 0 : 1;
}

export async function runPlans(planFiles: string[], opts: PlansRunOptions = {}): Promise<number> {
  for (const f of planFiles) {
    if (!existsSync(f)) throw new UsageError(`${f}: no such file`);
    if (!statSync(f).isFile()) throw new UsageError(`${f}: is not a plan file (.yaml)`);
  }
  const out = opts.json ? process.stderr : process.stdout;
  const style = makeStyle(useColor(out));
  const started = new Date();
  const t0 = performance.now();
  const atOnce = Math.max(1, Math.min(planFiles.length, opts.atOnce ?? Math.max(2, Math.floor(availableParallelism() / 2))));
  const base = opts.reportDir ? resolve(opts.reportDir) : (await makeRunDir('plans', undefined, started)).runDir;
  await mkdir(base, { recursive: true });
  const dirs = planDirNames(planFiles).map((n) => join(base, n));
  out.write(`${style.bold('touchstone')} ${style.gray('·')} ${planFiles.length} plans, ${atOnce} at once ${style.gray('·')} reports in ${displayPath(base)}\n\n`);

  const running = new Set<ChildProcess>();
  let interrupted = false;
  const onSignal = (sig: NodeJS.Signals) => {
    if (interrupted) {
      for (const c of running) c.kill('SIGKILL');
      process.exit(130);
    }
    interrupted = true;
    process.stderr.write(`touchstone: ${sig}: no further plan starts; the running ones write their reports (again to force)\n`);
    // A terminal's Ctrl-C reaches the whole process group; a SIGTERM sent to this process alone is passed on.
    if (sig !== 'SIGINT') for (const c of running) c.kill(sig);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const outcomes: PlanOutcome[] = new Array(planFiles.length);
  const runOne = (i: number) => new Promise<void>((done) => {
    const args = [CLI, 'run', planFiles[i]!, '--report-dir', dirs[i]!, '--json', ...(opts.workers ? ['--workers', String(opts.workers)] : []), ...(opts.strict ? ['--strict'] : [])];
    const started1 = performance.now();
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    running.add(child);
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout!.on('data', (b: Buffer) => stdout.push(b));
    child.stderr!.on('data', (b: Buffer) => stderr.push(b));
    let settled = false;
    const finish = async (exit: number, error?: string) => {
      if (settled) return;
      settled = true;
      running.delete(child);
      const text = Buffer.concat(stderr).toString('utf8');
      let summary: PlanSummary | undefined;
      try {
        summary = JSON.parse(Buffer.concat(stdout).toString('utf8')) as PlanSummary;
      } catch {
        summary = undefined;
      }
      const o: PlanOutcome = { plan: displayPath(resolve(planFiles[i]!)), reportDir: displayPath(dirs[i]!), exit, ms: Math.round(performance.now() - started1), gate: summary?.gate, counts: summary?.counts };
      const failed = (summary?.modules ?? []).filter((m) => m.status === 'failed').map((m) => m.id);
      if (failed.length) o.failed = failed;
      if (!summary) o.said = error ?? outputLines(text).slice(-3).join(' / ');
      outcomes[i] = o;
      // The run's own console (its progress and its closing table) beside its reports.
      if (existsSync(dirs[i]!)) await writeFile(join(dirs[i]!, 'console.txt'), text).catch(() => {});
      out.write(`${planLine(o, style)}\n`);
      done();
    };
    child.on('error', (e) => { void finish(2, `could not start: ${e.message}`); });
    child.on('close', (code, sig) => { void finish(sig ? 130 : (code ?? 1)); });
  });

  let next = 0;
  const lane = async () => {
    while (!interrupted && next < planFiles.length) await runOne(next++);
  };
  await Promise.all(Array.from({ length: atOnce }, lane));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);

  const ran = outcomes.filter(Boolean);
  const exit = combinedExit(ran.map((o) => o.exit), interrupted);
  const report = {
    startedAt: started.toISOString(),
    ms: Math.round(performance.now() - t0),
    atOnce,
    strict: !!opts.strict,
    plans: ran,
    notRun: planFiles.filter((_, i) => !outcomes[i]).map((f) => displayPath(resolve(f))),
    gate: { passed: exit === 0 },
  };
  await writeFile(join(base, 'plans.json'), `${JSON.stringify(report, null, 2)}\n`);
  // One junit.xml over the plans (a CI tool reads one file): each run's testsuite, or why it has none.
  const runs = await Promise.all(planFiles.map(async (f, i) => ({
    plan: displayPath(resolve(f)),
    xml: outcomes[i] ? await readFile(join(dirs[i]!, 'junit.xml'), 'utf8').catch(() => undefined) : undefined,
    error: outcomes[i] ? `the run wrote no junit.xml (exit ${outcomes[i]!.exit})${outcomes[i]!.said ? `: ${outcomes[i]!.said}` : ''}` : 'not run: interrupted before it started',
  })));
  await writeFile(join(base, 'junit.xml'), combinedJunitXml(`touchstone: ${planFiles.length} plans`, runs, report.ms));
  const failed = ran.filter((o) => o.exit !== 0).length;
  out.write(`\n${ran.length} of ${planFiles.length} plans ran: ${ran.length - failed} passed, ${failed} failed${report.notRun.length ? `, ${report.notRun.length} not run (interrupted)` : ''}  (wall ${formatMs(report.ms)}, ${atOnce} at once)\n`);
  out.write(`${exit === 0 ? style.green('gate passed') : style.red('gate failed')}: ${displayPath(join(base, 'plans.json'))}\n`);
  if (opts.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  return exit;
}

function planLine(o: PlanOutcome, style: ReturnType<typeof makeStyle>): string {
  const mark = o.exit === 0 ? style.green('✓') : style.red('✗');
  const c = o.counts;
  const counts = c ? `${c.passed ?? 0} passed, ${c.failed ?? 0} failed, ${c.warning ?? 0} warnings, ${c.skipped ?? 0} skipped, ${c.not_applicable ?? 0} not applicable` : `exit ${o.exit}`;
  const failed = o.failed?.length ? [`failed: ${o.failed.slice(0, 8).join(', ')}${o.failed.length > 8 ? `, and ${o.failed.length - 8} more` : ''}`] : [];
  const why = o.exit === 0 ? [] : o.gate?.reasons?.length ? [...o.gate.reasons.slice(0, 3), ...failed] : o.said ? [o.said] : [];
  return `${mark} ${o.plan}  ${counts}  ${style.gray(`${formatMs(o.ms)}  ${o.reportDir}`)}${why.map((l) => `\n    ${l}`).join('')}`;
}
