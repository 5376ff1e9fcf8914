// The last step of `touchstone run` and `touchstone merge`: from a finished (masked) RunSummary and
// the run directory's allure-results/, write summary.json, junit.xml and html/index.html, then the
// console summary (and with --json the summary on stdout). Returns the exit code of the gate.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { spawn } from 'node:child_process';
import type { Writable } from 'node:stream';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RunSummary } from '../core/types.ts';
import { printSummary, type ReportPaths } from './progress.ts';
import { writeSummary } from './summary.ts';
import { junitXml } from './junit.ts';
import { firstLine } from './format.ts';
import { threatsHtml, writeAllureThreats, writeThreatsPage } from './threats.ts';

const ALLURE_CLI = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'node_modules', 'allure', 'cli.js');

/** Allure Report 3 single-file HTML: <runDir>/html/index.html. Resolves to the path or throws one line. */
export async function buildHtml(runDir: string, planName: string): Promise<string> {
  const out = join(runDir, 'html');
  const args = [ALLURE_CLI, 'awesome', join(runDir, 'allure-results'), '-o', out, '--single-file', '--name', `Touchstone: ${planName}`];
  const output: Buffer[] = [];
  const code = await new Promise<number | string>((done) => {
    const child = spawn(process.execPath, args, { cwd: runDir, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    child.stdout.on('data', (b: Buffer) => output.push(b));
    child.stderr.on('data', (b: Buffer) => output.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', (err) => { clearTimeout(timer); done(err.message); });
    child.on('exit', (c, sig) => { clearTimeout(timer); done(sig ? `killed by ${sig}` : (c ?? 1)); });
  });
  const index = join(out, 'index.html');
  if (code === 0 && existsSync(index)) return index;
  // eslint-disable-next-line no-control-regex
  const text = Buffer.concat(output).toString('utf8').replace(/\x1b\[[0-9;]*m/g, '').trim();
  const last = text.split('\n').map((l) => l.trim()).filter(Boolean).pop();
  throw new Error(`allure awesome ${typeof code === 'number' ? `exited ${code}` : code}${last ? `: ${last}` : ''}`);
}

export interface WriteReportsOptions {
  /** Where the console summary goes (stderr with --json). */
  out: Writable & { isTTY?: boolean };
  /** --json: print the summary on stdout after the console summary. */
  json?: boolean;
  /** The provider's log, listed with the reports when it exists. */
  log?: string;
  /** Run errors to print (default: the summary's own). */
  errors?: string[];
  /** false: no module ran, the console shows no table. */
  table?: boolean;
  /** The wall time the console shows (default summary.ms): a run counts the HTML build too. */
  wallMs?: () => number;
}

/** summary.json, junit.xml, html/index.html, then the console summary; 0 when the gate passed, else 1. */
export async function writeReports(runDir: string, summary: RunSummary, opts: WriteReportsOptions): Promise<number> {
  const summaryFile = await writeSummary(runDir, summary);
  await writeFile(join(runDir, 'junit.xml'), junitXml(summary));
  const paths: ReportPaths = { runDir, junit: join(runDir, 'junit.xml'), summary: summaryFile, log: opts.log && existsSync(opts.log) ? opts.log : undefined };
  const threats = summary.threats ? threatsHtml(summary.threats, summary) : undefined;
  if (existsSync(join(runDir, 'allure-results'))) {
    if (threats) await writeAllureThreats(join(runDir, 'allure-results'), threats);
    try {
      paths.html = await buildHtml(runDir, summary.plan);
    } catch (e) {
      paths.htmlError = firstLine(e);
    }
  } else {
    paths.htmlError = 'no allure results were written';
  }
  if (threats) paths.threats = await writeThreatsPage(runDir, threats);
  printSummary({ ...summary, ms: opts.wallMs?.() ?? summary.ms }, paths, { out: opts.out, errors: opts.errors ?? summary.errors ?? [], table: opts.table });
  if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return summary.gate.passed ? 0 : 1;
}
