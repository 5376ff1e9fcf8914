// The threat table as HTML: html/threats.html (a page of its own, next to the Allure report) and the
// same page as a global attachment of the Allure report (allure-results/touchstone-threats-*: fixed
// names, so `touchstone merge` replaces the shards' tables with the merged one). Inputs are masked.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RunSummary } from '../core/types.ts';
import { VERDICT_LABEL, type ThreatReport } from '../threats/verdict.ts';
import { esc } from './render.ts';


const OUTCOME: Record<string, string> = { expected_failure: 'expected failure', not_applicable: 'not applicable', not_judged: 'failed, judged nothing' };

export function threatsHtml(report: ThreatReport, run: Pick<RunSummary, 'plan' | 'issuer' | 'faults' | 'startedAt'>): string {
  const c = report.counts;
  const order = { not_mitigated: 0, mitigated: 1, not_tested: 2 } as const;
  const rows = [...report.table].sort((a, b) => order[a.verdict] - order[b.verdict]).map((r) => {
    const mods = r.modules.map((m) => `<code>${esc(m.id)}</code> <small class="o-${m.outcome}">${esc(OUTCOME[m.outcome] ?? m.outcome)}</small>`).join('<br>');
    return `<tr class="${r.verdict}" data-threat="${esc(r.id)}" data-verdict="${r.verdict}"><td><code>${esc(r.id)}</code></td><td>${esc(r.title)}</td><td>${esc(r.cites)}</td><td class="v">${VERDICT_LABEL[r.verdict]}</td><td>${mods || '<small>no module of this run declares it</small>'}</td></tr>`;
  });
  return `<!doctype html><html><head><meta charset="utf-8"><title>Touchstone threats: ${esc(run.plan)}</title><style>
body{font:13px system-ui,sans-serif;margin:12px}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
tr.not_mitigated td.v{color:#b00;font-weight:bold}tr.mitigated td.v{color:#070}tr.not_tested td.v{color:#777}
small.o-failed,small.o-expected_failure{color:#b00}small.o-passed{color:#070}small.o-warning{color:#a60}
</style></head><body>
<h1>Threats: ${esc(run.plan)}</h1>
<p>Issuer ${esc(run.issuer)}${run.faults.length ? ` · faults ${esc(run.faults.join(', '))}` : ''} · ${esc(run.startedAt)}</p>
<p id="totals"><b>${c.mitigated}</b> mitigated, <b>${c.not_mitigated}</b> not mitigated, <b>${c.not_tested}</b> not tested</p>
<p><small>Not mitigated: a module behind the threat failed, or passed only on an expected failure (a known deviation). Mitigated: every module behind it that ran passed. Not tested: none of them ran. Threat ids are OAuch's (RFC 6819 §4.x as 6819_4_x, RFC 9700 §4.x as BCP_4_x).</small></p>
<table><thead><tr><th>threat</th><th>title</th><th>section</th><th>verdict</th><th>modules</th></tr></thead><tbody>
${rows.join('\n')}
</tbody></table></body></html>
`;
}

export const ALLURE_THREATS_ATTACHMENT = 'touchstone-threats-attachment.html';
export const ALLURE_THREATS_GLOBALS = 'touchstone-threats-globals.json';

/** The threat table as a global attachment of the Allure results (before `allure awesome` runs). */
export async function writeAllureThreats(resultsDir: string, html: string): Promise<void> {
  await mkdir(resultsDir, { recursive: true });
  await writeFile(join(resultsDir, ALLURE_THREATS_ATTACHMENT), html);
  const globals = { attachments: [{ name: 'threat table', source: ALLURE_THREATS_ATTACHMENT, type: 'text/html', timestamp: Date.now() }], errors: [] };
  await writeFile(join(resultsDir, ALLURE_THREATS_GLOBALS), `${JSON.stringify(globals)}\n`);
}

/** html/threats.html; returns its path. */
export async function writeThreatsPage(runDir: string, html: string): Promise<string> {
  const file = join(runDir, 'html', 'threats.html');
  await mkdir(join(runDir, 'html'), { recursive: true });
  await writeFile(file, html);
  return file;
}
