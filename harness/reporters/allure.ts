// The Allure results of a run, written in the harness process from module results (allure-results/
// for the HTML report, reporters/allure-html.ts): one test per module with its labels, one step per
// exchange with the request, response, screenshot and page text, and the findings table. Uses
// Allure's own ReporterRuntime with a writer of ours; the module code never talks to Allure. Inputs
// are masked already.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import { ReporterRuntime, type Writer } from 'allure-js-commons/sdk/reporter';
import { Stage, Status, type Label, type TestResult, type TestResultContainer, type Globals } from 'allure-js-commons';
import type { Category, EnvironmentInfo } from 'allure-js-commons/sdk';
import { cite, isCitationId } from '../core/citations.ts';
import type { Finding } from '../core/finding.ts';
import type { ModuleDef, ModuleResult } from '../core/types.ts';
import { failingFindings, formatFinding } from './format.ts';
import { browserStepName, findingsHtml, httpStepName, renderRequest, renderResponse } from './render.ts';

export interface AllureRunInfo {
  plan: string;
  issuer: string;
  faults: string[];
  variants: Record<string, unknown>;
}

type ModuleInfo = Pick<ModuleDef, 'id' | 'title' | 'proves' | 'counterpart' | 'source'>;

function severityOf(proves: string[]): string {
  const levels = proves.filter(isCitationId).map((id) => cite(id).level);
  if (levels.includes('MUST')) return 'critical';
  if (levels.includes('SHOULD')) return 'normal';
  return levels.length ? 'minor' : 'normal';
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Allure has passed / failed / broken / skipped: a warning is passed with a tag, not applicable skipped with one. */
function allureStatus(r: ModuleResult): Status {
  switch (r.status) {
    case 'passed':
    case 'warning':
      return Status.PASSED;
    case 'skipped':
    case 'not_applicable':
      return Status.SKIPPED;
    default:
      return failingFindings(r).length ? Status.FAILED : Status.BROKEN;
  }
}

function labelsOf(mod: ModuleInfo, r: ModuleResult, run: AllureRunInfo): Label[] {
  const file = mod.source?.startsWith('suites/') ? mod.source.slice('suites/'.length).replace(/\.ya?ml$/, '') : 'plan-defined';
  // A matrix run groups by combination first (plan > combination > suite file), as the OIDF suite
  // shows one plan per variant.
  const combination = r.combination ? Object.entries(r.combination).map(([k, v]) => `${k}=${v}`).join(', ') : undefined;
  const labels: Label[] = [
    { name: 'parentSuite', value: run.plan },
    ...(combination ? [{ name: 'suite', value: combination }, { name: 'subSuite', value: file }] : [{ name: 'suite', value: file }]),
    { name: 'story', value: mod.title },
    { name: 'severity', value: severityOf(mod.proves) },
    ...(mod.counterpart ? asList(mod.counterpart) : ['touchstone']).map((value) => ({ name: 'feature', value })),
    ...mod.proves.map((value) => ({ name: 'tag', value })),
  ];
  if (r.status === 'warning') labels.push({ name: 'tag', value: 'warning' });
  if (r.status === 'not_applicable') labels.push({ name: 'tag', value: 'not applicable' });
  return labels;
}

function description(mod: ModuleInfo, r: ModuleResult): string {
  const proves = mod.proves.map((id) => (isCitationId(id) ? `- **${id}** — ${cite(id).spec} §${cite(id).section} (${cite(id).level}): ${cite(id).text}` : `- **${id}**`));
  const status = r.status === 'not_applicable' ? 'not applicable' : r.status;
  return `${mod.title}\n\nProves:\n${proves.join('\n')}${mod.source ? `\n\nDefined in \`${mod.source}\`.` : ''}${r.reason ? `\n\n**${status}:** ${r.reason}` : ''}`;
}

async function readEvidence(dir: string | undefined, file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(isAbsolute(file) || !dir ? file : join(dir, file));
  } catch {
    return undefined;
  }
}

/**
 * Allure's FileSystemWriter, without its fsync of every file (a temporary file, fsync, rename):
 * that made the harness process wait on the disk for each attachment, about half a second of a
 * small run. The results are read once, by the HTML report at the end of the same run; a crash
 * before then leaves no report to protect.
 */
class ResultsWriter implements Writer {
  private made = false;
  private readonly dir: string;

  constructor(dir: string) {
    this.dir = dir;
  }

  private write(name: string, content: string | Buffer): void {
    if (!this.made) mkdirSync(this.dir, { recursive: true });
    this.made = true;
    writeFileSync(join(this.dir, name), content);
  }

  writeResult(result: TestResult): void { this.write(`${result.uuid}-result.json`, JSON.stringify(result)); }
  writeGroup(result: TestResultContainer): void { this.write(`${result.uuid}-container.json`, JSON.stringify(result)); }
  writeAttachment(name: string, content: Buffer): void { this.write(name, content); }
  writeAttachmentFromPath(name: string, from: string): void { this.write(name, readFileSync(from)); }
  writeEnvironmentInfo(info: EnvironmentInfo): void { this.write('environment.properties', Object.entries(info).map(([k, v]) => `${k}=${v}`).join('\n')); }
  writeCategoriesDefinitions(categories: Category[]): void { this.write('categories.json', JSON.stringify(categories)); }
  writeGlobals(name: string, info: Globals): void { this.write(name, JSON.stringify(info)); }
}

export class AllureWriter {
  private readonly runtime: ReporterRuntime;
  private readonly run: AllureRunInfo;

  constructor(resultsDir: string, run: AllureRunInfo) {
    this.run = run;
    this.runtime = new ReporterRuntime({ writer: new ResultsWriter(resultsDir) });
  }

  /** Writes one module's result (test, steps, attachments). */
  async module(mod: ModuleInfo, r: ModuleResult): Promise<void> {
    const rt = this.runtime;
    const start = Date.parse(r.startedAt) || Date.now();
    const status = allureStatus(r);
    const failing = failingFindings(r);
    const message = r.status === 'passed' ? undefined
      : r.status === 'not_applicable' ? `not applicable: ${r.reason ?? ''}`.trim()
        : failing.length ? `${mod.id} ${r.status}:\n${failing.map((f) => `  ${formatFinding(f)}`).join('\n')}` : (r.reason ?? r.status);
    const uuid = rt.startTest({
      name: mod.id,
      fullName: `${this.run.plan} > ${mod.id}`,
      testCaseId: mod.id,
      historyId: `${this.run.plan}:${mod.id}`,
      start,
      labels: labelsOf(mod, r, this.run),
      parameters: [
        { name: 'issuer', value: this.run.issuer },
        ...(this.run.faults.length ? [{ name: 'faults', value: this.run.faults.join(',') }] : []),
        // In a matrix run, the combination's values stand for the listed ones.
        ...Object.entries({ ...this.run.variants, ...r.combination }).map(([k, v]) => ({ name: `variant ${k}`, value: Array.isArray(v) ? v.join(' | ') : String(v) })),
      ],
      description: description(mod, r),
    });
    const bad = new Map<string, Finding[]>();
    for (const f of failing) if (f.exchange) bad.set(f.exchange, [...(bad.get(f.exchange) ?? []), f]);
    for (const x of r.exchanges) {
      const failures = bad.get(x.id);
      const stepStart = Date.parse(x.startedAt) || start;
      const step = rt.startStep(uuid, undefined, { name: x.kind === 'http' ? httpStepName(x) : browserStepName(x), start: stepStart });
      if (!step) continue;
      if (x.kind === 'http') {
        rt.writeAttachment(uuid, step, 'request', Buffer.from(renderRequest(x)), { contentType: 'text/plain' });
        rt.writeAttachment(uuid, step, 'response', Buffer.from(renderResponse(x)), { contentType: 'text/plain' });
      } else {
        const png = x.screenshot ? await readEvidence(r.evidenceDir, x.screenshot) : undefined;
        if (png) rt.writeAttachment(uuid, step, 'screenshot', png, { contentType: 'image/png' });
        if (x.pageText) rt.writeAttachment(uuid, step, 'page text', Buffer.from(x.pageText), { contentType: 'text/plain' });
      }
      rt.updateStep(step, (s) => {
        // A red step for an exchange a finding failed on.
        s.status = failures ? Status.FAILED : Status.PASSED;
        s.stage = Stage.FINISHED;
        if (failures) s.statusDetails = { message: failures.map(formatFinding).join('\n') };
      });
      rt.stopStep(step, { stop: stepStart + x.ms });
    }
    rt.writeAttachment(uuid, undefined, 'findings', Buffer.from(findingsHtml(r)), { contentType: 'text/html' });
    rt.updateTest(uuid, (t) => {
      t.status = status;
      t.stage = Stage.FINISHED;
      if (message) t.statusDetails = { message };
    });
    rt.stopTest(uuid, { stop: start + r.ms });
    rt.writeTest(uuid);
  }
}
