// Evidence renderers for the Allure report: HTTP exchanges as raw-ish HTTP text and findings as an
// HTML table. Inputs are expected to be masked already (maskSecrets) — these only format.
import type { HttpExchange, BrowserHop } from '../core/exchange.ts';
import { findingCitation, type Finding } from '../core/finding.ts';
import type { ModuleResult } from '../core/types.ts';

function pathOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}`;
  } catch {
    return url;
  }
}

function headerLines(headers: Record<string, string> | undefined): string {
  if (!headers) return '';
  return Object.entries(headers)
    .flatMap(([k, v]) => String(v).split('\n').map((line) => `${k}: ${line}\n`))
    .join('');
}

function prettyBody(body: string | undefined, contentType: string | undefined): string {
  if (!body) return '';
  if (contentType && /json/i.test(contentType)) {
    try {
      return JSON.stringify(JSON.parse(body), null, 2);
    } catch { /* not JSON after all: raw */ }
  }
  return body;
}

export function renderRequest(x: HttpExchange): string {
  const r = x.request;
  let host = '';
  try { host = new URL(r.url).host; } catch { /* relative */ }
  const hasHost = Object.keys(r.headers ?? {}).some((k) => k.toLowerCase() === 'host');
  const ct = Object.entries(r.headers ?? {}).find(([k]) => k.toLowerCase() === 'content-type')?.[1];
  return `${r.method} ${pathOf(r.url)} HTTP/1.1\n${hasHost || !host ? '' : `host: ${host}\n`}${headerLines(r.headers)}\n${prettyBody(r.body, ct)}`;
}

export function renderResponse(x: HttpExchange): string {
  if (!x.response) return `(no response: ${x.error ?? 'unknown error'})\n`;
  const r = x.response;
  return `HTTP/1.1 ${r.status}\n${headerLines(r.headers)}\n${prettyBody(r.body, r.headers['content-type'])}${r.truncated ? '\n… (body truncated at the size cap)' : ''}`;
}

export function httpStepName(x: HttpExchange): string {
  const outcome = x.response ? String(x.response.status) : `error: ${x.error ?? 'no response'}`;
  return `${x.step}: ${x.request.method} ${pathOf(x.request.url)} → ${outcome}`;
}

export function browserStepName(h: BrowserHop): string {
  const status = h.status !== undefined ? ` (${h.status})` : '';
  const detail = h.detail ? ` — ${h.detail}` : '';
  return `${h.step}: browser ${h.action} ${pathOf(h.url)}${status}${detail}`;
}

/** HTML-escaped text. */
export const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
const show = (v: unknown) => (v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v, null, 1));

export function findingsHtml(r: Pick<ModuleResult, 'id' | 'findings' | 'expectedFailures'>): string {
  const key = (f: Finding) => `${f.check}\u0000${f.exchange ?? ''}`;
  const expected = new Set(r.expectedFailures.map(key));
  const inFindings = new Set(r.findings.map(key));
  const row = (f: Finding & { reason?: string }, xfail: boolean) => {
    const verdict = f.info ? 'not supported' : f.ok ? 'pass' : xfail ? 'expected failure' : 'FAIL';
    const cls = f.ok ? 'ok' : xfail ? 'xf' : 'bad';
    return `<tr class="${cls}"><td>${verdict}</td><td><code>${esc(f.check)}</code></td><td>${f.citation ? esc(findingCitation(f)) + `<br><small>${esc(f.citation.id)}</small>` : ''}</td><td>${esc(f.message)}${f.reason ? `<br><small>expected failure: ${esc(f.reason)}</small>` : ''}</td><td><pre>${esc(show(f.expected))}</pre></td><td><pre>${esc(show(f.actual))}</pre></td><td>${esc(f.exchange ?? '')}</td></tr>`;
  };
  const rows = [
    ...r.findings.map((f) => row(f, !f.ok && expected.has(key(f)))),
    ...r.expectedFailures.filter((x) => !inFindings.has(key(x))).map((f) => row(f, true)),
  ];
  return `<!doctype html><html><head><meta charset="utf-8"><title>${esc(r.id)} findings</title><style>
body{font:13px system-ui,sans-serif;margin:8px}table{border-collapse:collapse;width:100%}td,th{border:1px solid #ccc;padding:4px 6px;vertical-align:top;text-align:left}
pre{margin:0;white-space:pre-wrap;word-break:break-all;max-width:32em}tr.bad td:first-child{color:#b00;font-weight:bold}tr.ok td:first-child{color:#070}tr.xf td:first-child{color:#a60}
</style></head><body><table><thead><tr><th>verdict</th><th>check</th><th>citation</th><th>message</th><th>expected</th><th>actual</th><th>exchange</th></tr></thead><tbody>
${rows.join('\n') || '<tr><td colspan="7">no findings</td></tr>'}
</tbody></table></body></html>
`;
}
