// Findings: what a check concludes about recorded evidence. A check is a small pure function
// (see defineCheck) that reads exchanges or values derived from them and returns one Finding.
import { cite, formatCitation, type Citation, type CitationId, type Level } from './citations.ts';

export interface Finding {
  /** kebab-case id of the check that produced this finding, e.g. `token-cache-control-no-store`. */
  check: string;
  citation: Citation;
  ok: boolean;
  message: string;
  expected?: unknown;
  actual?: unknown;
  /** Id of the exchange (HTTP or browser hop) the finding is about, when there is one. */
  exchange?: string;
  /**
   * Information only: the OP chose not to implement something the clause leaves optional (a MAY,
   * or a behaviour left to the OP). Such a finding is ok (no rule was broken) and never turns a
   * module to warning or failed; reporters show it as "not supported".
   */
  info?: true;
  /** The level the finding is judged at when the plan overrides its rule's (plan `severity:`). */
  level?: Level;
  /** With `level`: the level the citation declares. */
  declaredLevel?: Level;
  /** With `level`: the plan's reason for the override. */
  levelReason?: string;
}

export interface Verdict {
  ok: boolean;
  message: string;
  expected?: unknown;
  actual?: unknown;
  /** See Finding.info. */
  info?: true;
}

export interface Check<I> {
  id: string;
  citation: CitationId;
  (input: I, exchange?: string): Finding;
}

/**
 * Declare a check: one rule, one citation, one pure function from input to verdict.
 * `run` must not throw for hostile input; it returns ok:false with a message instead
 * (defineCheck turns an unexpected throw into a failed finding as a last resort).
 */
export function defineCheck<I>(id: string, citation: CitationId, run: (input: I) => Verdict): Check<I> {
  const fn = (input: I, exchange?: string): Finding => {
    let v: Verdict;
    try {
      v = run(input);
    } catch (err) {
      v = { ok: false, message: `check could not evaluate the evidence: ${(err as Error).message}` };
    }
    return asInformation({ check: id, citation: cite(citation), exchange, ...v });
  };
  return Object.assign(fn, { id, citation });
}

export const pass = (message: string, expected?: unknown, actual?: unknown): Verdict => ({ ok: true, message, expected, actual });
export const fail = (message: string, expected?: unknown, actual?: unknown): Verdict => ({ ok: false, message, expected, actual });

/** A MAY (or a choice the clause leaves to the OP) that the OP did not take: information, not a failure. */
export const notSupported = (message: string, expected?: unknown, actual?: unknown): Verdict => ({ ok: true, info: true, message: `not supported: ${message}`, expected, actual });

/**
 * A failed finding under a MAY citation says only that the OP did not implement the optional
 * behaviour: it becomes information ("not supported"), never a warning or a failure.
 */
export function asInformation(f: Finding): Finding {
  if (f.ok || levelOf(f) !== 'MAY') return f;
  return { ...f, ok: true, info: true, message: `not supported (${f.citation.spec} §${f.citation.section} is a MAY${f.declaredLevel ? ' by plan' : ''}): ${f.message}` };
}

/** How a finding weighs in its module's verdict: a failed MUST fails it, another failure warns, information never counts. */
export function weight(f: Finding): 'pass' | 'info' | 'failure' | 'warning' {
  if (f.info) return 'info';
  if (f.ok) return 'pass';
  return levelOf(f) === 'MUST' ? 'failure' : 'warning';
}

/** The level a finding is judged at: the plan's override, else its citation's. */
export function levelOf(f: Finding): Level {
  return f.level ?? f.citation?.level;
}

/**
 * A plan `severity:` override applied to one finding: it keeps the cited level (declaredLevel) and
 * the reason, and is judged at the plan's level. Lowered to MAY, a failure is information (as
 * asInformation); raised from MAY, a "not supported" MAY is a failed finding again.
 */
export function withSeverity(f: Finding, overrides: readonly { rule: string; level: Level; reason: string }[] | undefined): Finding {
  const o = overrides?.find((x) => x.rule === f.citation?.id);
  if (!o || o.level === f.citation.level) return f;
  let g: Finding = { ...f, level: o.level, declaredLevel: f.citation.level, levelReason: o.reason };
  if (g.info && f.citation.level === 'MAY') {
    const { info: _info, ...rest } = g;
    g = { ...rest, ok: false, message: g.message.replace(/^not supported( \([^)]*\))?: /, '') };
  }
  return asInformation(g);
}

/** "RFC 7636 §4.6 (MUST)", or with a plan override "RFC 7636 §4.6 (SHOULD by plan: <reason>; cited MUST)". */
export function findingCitation(f: Finding): string {
  if (!f.citation) return 'no citation';
  if (!f.level || !f.declaredLevel) return formatCitation(f.citation);
  return `${f.citation.spec} §${f.citation.section} (${f.level} by plan: ${f.levelReason ?? 'no reason given'}; cited ${f.declaredLevel})`;
}

/**
 * The reverse of asInformation, for a module the plan opted into (its `applies:` variants say the OP
 * implements the optional behaviour): a MAY not done is a failed finding again, weighed as a warning.
 */
export function asDeclared(f: Finding): Finding {
  if (!f.info || f.citation.level !== 'MAY') return f;
  const { info: _info, ...rest } = f;
  return { ...rest, ok: false, message: `the plan says the OP implements this optional behaviour, but: ${f.message.replace(/^not supported( \([^)]*\))?: /, '')}` };
}
