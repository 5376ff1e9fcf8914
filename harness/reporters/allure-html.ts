// The Allure Report 3 HTML of a run (<runDir>/html/index.html, one file), built by a child process
// that imports Allure's report builder as soon as it starts and then waits on stdin for the run to
// end: the import (about 0.7 s of CPU) overlaps the modules instead of following them. The same as
// `allure awesome <results> -o <out> --single-file --name <name>` (allure/dist/commands/awesome.js):
// the awesome plugin alone, grouped by parentSuite, suite, subSuite.
//
// Child side: `node allure-html.ts`, then one JSON line on stdin {results, out, name}; exit 0 when
// the report is written. Parent side: htmlBuilder().
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

interface Job { results: string; out: string; name: string }

const SELF = fileURLToPath(import.meta.url);
const TIMEOUT_MS = 120_000;

/** A builder process, started now (its imports run meanwhile); build() hands it the run, once. */
export interface HtmlBuilder {
  /** Writes <runDir>/html/index.html from <runDir>/allure-results; resolves to its path or throws one line. */
  build(runDir: string, planName: string): Promise<string>;
  /** Stop the process unused (the run ended without results). */
  dispose(): void;
}

export function htmlBuilder(): HtmlBuilder {
  const child: ChildProcess = spawn(process.execPath, [SELF], { stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const output: Buffer[] = [];
  child.stdout!.on('data', (b: Buffer) => output.push(b));
  child.stderr!.on('data', (b: Buffer) => output.push(b));
  child.stdin!.on('error', () => {}); // a child that died early: its exit says why
  const exited = new Promise<number | string>((done) => {
    child.on('error', (err) => done(err.message));
    child.on('exit', (c, sig) => done(sig ? `killed by ${sig}` : (c ?? 1)));
  });
  // Waiting for its job, it must not keep this process alive (a run that ends early never hands
  // it one); it does once build() is waiting for it.
  const hold = (on: boolean) => {
    for (const h of [child, child.stdin, child.stdout, child.stderr] as ({ ref(): void; unref(): void } | null)[]) {
      if (on) h?.ref();
      else h?.unref();
    }
  };
  hold(false);
  let used = false;
  return {
    async build(runDir, planName) {
      if (used) throw new Error('the HTML report generator makes one report');
      used = true;
      hold(true);
      const out = join(runDir, 'html');
      const job: Job = { results: join(runDir, 'allure-results'), out, name: `Touchstone: ${planName}` };
      child.stdin!.end(`${JSON.stringify(job)}\n`);
      const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_MS);
      const code = await exited;
      clearTimeout(timer);
      const index = join(out, 'index.html');
      if (code === 0 && existsSync(index)) return index;
      // (imported here: the child that builds the report never needs it)
      const { outputLines } = await import('./format.ts');
      const last = outputLines(Buffer.concat(output).toString('utf8')).pop();
      throw new Error(`the Allure report ${typeof code === 'number' ? `generator exited ${code}` : `generator was ${code}`}${last ? `: ${last}` : ''}`);
    },
    dispose() {
      if (!used) child.kill();
      used = true;
    },
  };
}

/** The child: import first, then wait for the job. */
async function main(): Promise<void> {
  const [{ AllureReport, readConfig }, { default: AwesomePlugin }] = await Promise.all([import('@allurereport/core'), import('@allurereport/plugin-awesome')]);
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  if (!input.trim()) return; // the parent had no report to build
  const job = JSON.parse(input) as Job;
  const config = await readConfig(dirname(job.out), undefined, { output: job.out, name: job.name });
  const options = { singleFile: true, groupBy: ['parentSuite', 'suite', 'subSuite'] };
  config.plugins = [{ id: 'awesome', enabled: true, options, plugin: new AwesomePlugin(options) }];
  const report = new AllureReport(config);
  await report.start();
  await report.readDirectory(job.results);
  await report.done();
}

if (process.argv[1] === SELF) {
  main().then(() => process.exit(0), (err: unknown) => {
    process.stderr.write(`${String((err as Error)?.message ?? err).split('\n')[0]}\n`);
    process.exit(1);
  });
}
