// `touchstone merge <dir>...`: the report directories of `touchstone run --shard i/n` (all n of them)
// combined into one report, identical in content to an unsharded run: modules/*.json and evidence/
// copied, allure-results/ combined (Allure result files are uuid-named, so one directory holding all
// of them is Allure's own merge), and summary.json, junit.xml, html/index.html and the console
// summary rebuilt with the same functions `touchstone run` uses. Inputs are masked already.
// A matrix run's ids are units (`<id>[<combination>]`) and each entry carries its combination, so
// the merged summary's `matrix` section is rebuilt from the merged module list as a run builds it.
// Exit code: the merged gate (0 passed, 1 failed), 2 when the directories do not belong together.
import { existsSync } from 'node:fs';
import { cp, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { ModuleResult, ModuleStatus, RunSummary } from './core/types.ts';
import { buildSummary } from './reporters/summary.ts';
import { writeReports } from './reporters/output.ts';
import { displayPath, makeStyle, useColor } from './reporters/format.ts';
import { makeRunDir, pointLatest, UsageError } from './run.ts';
import { shardSize, unshard } from './shard.ts';

export interface MergeOptions {
  /** --report-dir: write the merged report here instead of reports/<stamp>-<plan>-merged/. */
  reportDir?: string;
  /** --strict: the merged gate is the release gate, as in `touchstone run --strict`. */
  strict?: boolean;
  /** --json: the merged summary is the only stdout output. */
  json?: boolean;
}

interface ShardRun {
  dir: string;
  summary: RunSummary & { shard: NonNullable<RunSummary['shard']> };
}


async function readShard(dir: string): Promise<ShardRun> {
  const file = join(dir, 'summary.json');
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    throw new UsageError(`${displayPath(dir)}: no summary.json (not the report directory of a touchstone run)`);
  }
  let summary: RunSummary;
  try {
    summary = JSON.parse(text) as RunSummary;
  } catch {
    throw new UsageError(`${displayPath(file)}: not valid JSON`);
  }
  if (!summary.shard) throw new UsageError(`${displayPath(dir)}: not a shard (its summary.json has no "shard"; run with --shard i/n)`);
  if (!Array.isArray(summary.modules)) throw new UsageError(`${displayPath(file)}: has no modules list`);
  return { dir, summary: summary as ShardRun['summary'] };
}

/** The shards sorted by index, or a UsageError naming the directory and what is wrong. */
function checkTogether(runs: ShardRun[]): ShardRun[] {
  const [first] = runs;
  const a = first!.summary;
  const byIndex = new Map<number, ShardRun>();
  const owner = new Map<string, string>();
  for (const run of runs) {
    const s = run.summary;
    const at = displayPath(run.dir);
    if (s.plan !== a.plan || s.planFile !== a.planFile) {
      throw new UsageError(`${at}: plan "${s.plan}" (${s.planFile}) is not the plan of ${displayPath(first!.dir)}, "${a.plan}" (${a.planFile})`);
    }
    if (s.shard.total !== a.shard.total) throw new UsageError(`${at}: shard ${s.shard.index}/${s.shard.total} is not one of ${a.shard.total} shards like ${displayPath(first!.dir)}`);
    if (s.shard.selected !== a.shard.selected) throw new UsageError(`${at}: its run selected ${s.shard.selected} modules, ${displayPath(first!.dir)}'s ${a.shard.selected} (different --module filters?)`);
    const twin = byIndex.get(s.shard.index);
    if (twin) throw new UsageError(`${at}: shard ${s.shard.index}/${s.shard.total} again (also ${displayPath(twin.dir)})`);
    byIndex.set(s.shard.index, run);
    const expected = shardSize(s.shard.selected, s.shard);
    if (s.modules.length !== expected) throw new UsageError(`${at}: shard ${s.shard.index}/${s.shard.total} has ${s.modules.length} modules, expected ${expected} of the ${s.shard.selected} selected`);
    for (const m of s.modules) {
      const other = owner.get(m.id);
      if (other) throw new UsageError(`${at}: module ${m.id} is also in ${other}`);
      owner.set(m.id, at);
    }
  }
  const sorted: ShardRun[] = [];
  for (let i = 1; i <= a.shard.total; i++) {
    const run = byIndex.get(i);
    if (!run) throw new UsageError(`shard ${i}/${a.shard.total} is missing (merge needs all ${a.shard.total} shards; got ${[...byIndex.keys()].sort((x, y) => x - y).map((k) => `${k}/${a.shard.total}`).join(', ')})`);
    sorted.push(run);
  }
  return sorted;
}

/** A shard's modules/*.json as results, evidenceDir pointing at the merged evidence/. */
async function readResults(run: ShardRun, outDir: string, results: Map<string, ModuleResult>): Promise<void> {
  for (const m of run.summary.modules) {
    const file = join(run.dir, 'modules', `${m.id}.json`);
    if (!existsSync(file)) continue; // never recorded: buildSummary takes the shard summary's entry (fallback)
    let r: ModuleResult;
    try {
      r = JSON.parse(await readFile(file, 'utf8')) as ModuleResult;
    } catch {
      throw new UsageError(`${displayPath(file)}: not valid JSON`);
    }
    if (r.evidenceDir) r.evidenceDir = join(outDir, 'evidence', r.id);
    results.set(r.id, r);
  }
}

/** Copies <from>/<sub> into <to>/<sub> when it exists (file names in allure-results are uuids). */
async function copyInto(from: string, to: string, sub: string): Promise<void> {
  const src = join(from, sub);
  if (!existsSync(src)) return;
  await mkdir(join(to, sub), { recursive: true });
  for (const name of await readdir(src)) await cp(join(src, name), join(to, sub, name), { recursive: true, force: true });
}

export async function mergeShards(dirs: string[], opts: MergeOptions = {}): Promise<number> {
  const out = opts.json ? process.stderr : process.stdout;
  const style = makeStyle(useColor(out));
  const runs = checkTogether(await Promise.all(dirs.map((d) => readShard(resolve(d)))));
  const first = runs[0]!.summary;
  const { total, selected } = first.shard;
  if (opts.reportDir && runs.some((r) => resolve(opts.reportDir!) === r.dir)) {
    throw new UsageError(`--report-dir ${opts.reportDir}: is one of the shard directories being merged`);
  }
  const { runDir, isDefault } = await makeRunDir(`${first.plan}-merged`, opts.reportDir, new Date());
  if (isDefault) await pointLatest(runDir);
  out.write(`${style.bold('touchstone merge')} ${style.gray('·')} plan ${style.bold(first.plan)} (${displayPath(first.planFile)}) ${style.gray('·')} ${total} shard${total === 1 ? '' : 's'} ${style.gray('·')} ${selected} module${selected === 1 ? '' : 's'}\n`);

  const results = new Map<string, ModuleResult>();
  const fallback = new Map<string, { status: ModuleStatus; reason?: string; ms: number }>();
  await mkdir(join(runDir, 'modules'), { recursive: true });
  for (const run of runs) {
    await readResults(run, runDir, results);
    for (const m of run.summary.modules) fallback.set(m.id, { status: m.status, reason: m.reason, ms: m.ms });
    await copyInto(run.dir, runDir, 'evidence');
    await copyInto(run.dir, runDir, 'allure-results');
  }
  for (const r of results.values()) await writeFile(join(runDir, 'modules', `${r.id}.json`), `${JSON.stringify(r, null, 2)}\n`);

  const ran = runs.filter((r) => r.summary.modules.length > 0).map((r) => r.summary);
  const summary = buildSummary({
    results,
    plan: first.plan,
    planFile: first.planFile,
    startedAt: runs.map((r) => r.summary.startedAt).sort()[0]!,
    // The shards ran side by side: the merged wall time is the longest shard's.
    ms: Math.max(...runs.map((r) => r.summary.ms)),
    // Parallelism over all machines.
    workers: runs.reduce((sum, r) => sum + r.summary.workers, 0),
    issuer: (ran[0] ?? first).issuer,
    faults: [...new Set(runs.flatMap((r) => r.summary.faults))],
    modules: unshard(runs.map((r) => r.summary.modules)),
    fallback,
    strict: opts.strict,
    errors: runs.flatMap((r) => (r.summary.errors ?? []).map((e) => `shard ${r.summary.shard.index}/${total}: ${e}`)),
  });
  return writeReports(runDir, summary, { out, json: opts.json });
}
