// The last step of `touchstone run` and `touchstone merge`: from a finished (masked) RunSummary and
// the run directory's allure-results/, write summary.json, junit.xml and html/index.html, then the
// console summary (and with --json the summary on stdout). Returns the exit code of the gate.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { join } from 'node:path';
import type { RunSummary } from '../core/types.ts';
import { printSummary, type ReportPaths } from './progress.ts';
import { writeSummary } from './summary.ts';
import { junitXml } from './junit.ts';
import { firstLine } from './format.ts';
import { threatsHtml, writeAllureThreats, writeThreatsPage } from './threats.ts';
import { htmlBuilder, type HtmlBuilder } from './allure-html.ts';

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
  /** A builder started earlier (its imports done while the modules ran); else one is started here. */
  html?: HtmlBuilder;
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
      paths.html = await (opts.html ?? htmlBuilder()).build(runDir, summary.plan);
    } catch (e) {
      paths.htmlError = firstLine(e);
    }
  } else {
    opts.html?.dispose();
    paths.htmlError = 'no allure results were written';
  }
  if (threats) paths.threats = await writeThreatsPage(runDir, threats);
  printSummary({ ...summary, ms: opts.wallMs?.() ?? summary.ms }, paths, { out: opts.out, errors: opts.errors ?? summary.errors ?? [], table: opts.table });
  if (opts.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  return summary.gate.passed ? 0 : 1;
}
