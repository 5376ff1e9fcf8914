// Terminal formatting shared by the CLI and the reporters: colours (only on a TTY, never with
// NO_COLOR), duration, plain-text tables, and the one-line rendering of a finding.
import { relative } from 'node:path';
import { findingCitation, levelOf, type Finding } from '../core/finding.ts';
import type { ModuleStatus } from '../core/types.ts';
import { formatCitation, isCitationId, cite } from '../core/citations.ts';

export function useColor(stream: { isTTY?: boolean } = process.stdout): boolean {
  if (process.env.NO_COLOR !== undefined && process.env.NO_COLOR !== '') return false;
  if (process.env.FORCE_COLOR !== undefined && process.env.FORCE_COLOR !== '0') return true;
  return stream.isTTY === true && process.env.TERM !== 'dumb';
}

const codes = { red: 31, green: 32, yellow: 33, cyan: 36, gray: 90, bold: 1, dim: 2 } as const;
export type Style = Record<keyof typeof codes, (s: string) => string>;

export function makeStyle(color: boolean): Style {
  const out = {} as Style;
  for (const [name, code] of Object.entries(codes) as [keyof typeof codes, number][]) {
    const close = code === 1 || code === 2 ? 22 : 39;
    out[name] = color ? (s: string) => `\x1b[${code}m${s}\x1b[${close}m` : (s: string) => s;
  }
  return out;
}

/** 850ms -> "0.9s", 61_200 -> "1m01s". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const m = Math.floor(ms / 60_000);
  const s = Math.round((ms % 60_000) / 1000);
  return `${m}m${String(s).padStart(2, '0')}s`;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
export const visibleLength = (s: string): number => s.replace(ANSI, '').length;
/** A path as a person reads it: relative to the working directory when inside it, else absolute. */
export function displayPath(p: string): string {
  const r = relative(process.cwd(), p);
  return r && !r.startsWith('..') ? r : p;
}
/** A program's output as a person reads it: colour codes out, each line trimmed, blank lines dropped. */
export const outputLines = (text: string): string[] => text.replace(ANSI, '').split('\n').map((l) => l.trim()).filter(Boolean);
const padEnd = (s: string, n: number): string => s + ' '.repeat(Math.max(0, n - visibleLength(s)));

/** A plain table: columns padded to the widest cell, two spaces apart, no trailing blanks. */
export function table(header: string[] | null, rows: string[][], style?: Style): string {
  const all = header ? [header, ...rows] : rows;
  const widths: number[] = [];
  for (const row of all) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, visibleLength(cell)); });
  const line = (row: string[]) => row.map((c, i) => (i === row.length - 1 ? c : padEnd(c, widths[i]))).join('  ').trimEnd();
  const out = rows.map(line);
  if (header) out.unshift(style ? style.bold(line(header)) : line(header));
  return out.join('\n');
}

export const STATUS_MARK: Record<ModuleStatus, string> = { passed: '✓', failed: '✗', warning: '~', skipped: '-', not_applicable: '-' };

/** How a status reads in text (not_applicable as "not applicable"). */
export const statusText = (s: ModuleStatus): string => (s === 'not_applicable' ? 'not applicable' : s);

export function paintStatus(status: ModuleStatus | string, text: string, style: Style): string {
  switch (status) {
    case 'passed': return style.green(text);
    case 'failed': return style.red(text);
    case 'warning': return style.yellow(text);
    default: return style.gray(text);
  }
}

/** "RFC 7636 §4.6 (MUST)" for a citation id, or the id itself when it is not in the registry. */
export function citationLabel(id: string): string {
  return isCitationId(id) ? formatCitation(cite(id)) : `${id} (unknown citation)`;
}

function show(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > 200 ? `${v.slice(0, 200)}…` : v);
  let s: string;
  try { s = JSON.stringify(v) ?? String(v); } catch { s = String(v); }
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
}

/** `[check-id] RFC 7636 §4.6 (MUST): message — expected X, actual Y` (one line). */
const LEVEL_RANK: Record<string, number> = { MUST: 0, SHOULD: 1, MAY: 2 };

/** A module's failing findings, MUST first (by the level each was judged at, a plan override included). */
export function failingFindings(r: { findings: Finding[] }): Finding[] {
  return r.findings.filter((f) => !f.ok).sort((a, b) => (LEVEL_RANK[levelOf(a)] ?? 3) - (LEVEL_RANK[levelOf(b)] ?? 3));
}

export function formatFinding(f: Finding): string {
  const where = findingCitation(f); // shows a plan severity override: "(SHOULD by plan: …; cited MUST)"
  let s = `[${f.check}] ${where}: ${f.message}`;
  const parts: string[] = [];
  if (f.expected !== undefined) parts.push(`expected ${show(f.expected)}`);
  if (f.actual !== undefined) parts.push(`actual ${show(f.actual)}`);
  if (parts.length) s += ` — ${parts.join(', ')}`;
  return s.replace(/\s*\n\s*/g, ' ');
}

/** First line of an error's message, for one-line user-facing errors (no stack). */
export function firstLine(err: unknown): string {
  const msg = err instanceof Error ? err.message : String(err);
  return (msg.split('\n').find((l) => l.trim() !== '') ?? msg).trim();
}
