// `npm run bench`: wall time and peak memory of full plan runs through the real CLI
// (provider start, vitest, browser, reports), with 1 and with 2 workers. Prints figures; asserts
// nothing. Usage: node scripts/bench.ts [--workers 1,2] [plan ...]
// Default: every plan in plans/ that launches the reference provider as a process, with 2 workers.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';

const root = new URL('..', import.meta.url).pathname;
const argv = process.argv.slice(2);
const wi = argv.indexOf('--workers');
const workerCounts = wi >= 0 ? String(argv.splice(wi, 2)[1] ?? '2').split(',').map(Number).filter((n) => n > 0) : [2];
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

interface Row { plan: string; workers: number; modules: number; passed: number; skipped: number; gate: string; wallS: number; harnessPeakMiB?: number; exit: number | null }
const rows: Row[] = [];

for (const plan of plans) {
  for (const workers of workerCounts) {
    const dir = mkdtempSync(join(tmpdir(), 'touchstone-bench-'));
    const started = performance.now();
    // /usr/bin/time -f %M reports the CLI process's peak RSS (KiB); the provider and browser are
    // separate processes and not included.
    const useTime = spawnSync('/usr/bin/time', ['--version'], { stdio: 'ignore' }).status === 0;
    const cmd = useTime ? '/usr/bin/time' : process.execPath;
    const args = useTime ? ['-f', 'peak-rss-kib %M', process.execPath, cli, 'run', plan, '--workers', String(workers), '--report-dir', dir] : [cli, 'run', plan, '--workers', String(workers), '--report-dir', dir];
    const res = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
    const wallS = (performance.now() - started) / 1000;
    let modules = 0;
    let passed = 0;
    let skipped = 0;
    let gate = 'no summary';
    try {
      const summary = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8'));
      modules = summary.counts.total;
      // A skip is not a pass (issue 12): passed counts modules whose rules held (warnings included).
      passed = summary.counts.passed + (summary.counts.warning ?? 0);
      skipped = (summary.counts.skipped ?? 0) + (summary.counts.not_applicable ?? 0);
      gate = summary.gate?.passed ? 'passed' : `FAILED (${(summary.gate?.reasons ?? []).join('; ')})`;
    } catch {
      // no summary: the run failed before writing one; the exit code says so
    }
    const rss = /peak-rss-kib (\d+)/.exec(res.stderr ?? '')?.[1];
    rows.push({ plan, workers, modules, passed, skipped, gate, wallS: Number(wallS.toFixed(1)), harnessPeakMiB: rss ? Math.round(Number(rss) / 1024) : undefined, exit: res.status });
    rmSync(dir, { recursive: true, force: true });
    console.log(`${plan}  workers=${workers}  modules=${modules}  passed=${passed}  skipped/n.a.=${skipped}  gate=${gate}  wall=${wallS.toFixed(1)} s  harness peak RSS=${rss ? Math.round(Number(rss) / 1024) + ' MiB' : 'n/a'}  exit=${res.status}`);
  }
}
console.table(rows);
