// Findings: what a check concludes about recorded evidence. A check is a small pure function
// (see defineCheck) that reads exchanges or values derived from them and returns one Finding.
import { cite, type Citation, type CitationId } from './citations.ts';

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
  if (f.ok || f.citation.level !== 'MAY') return f;
  return { ...f, ok: true, info: true, message: `not supported (${f.citation.spec} §${f.citation.section} is a MAY): ${f.message}` };
}

/** How a finding weighs in its module's verdict: a failed MUST fails it, another failure warns, information never counts. */
export function weight(f: Finding): 'pass' | 'info' | 'failure' | 'warning' {
  if (f.info) return 'info';
  if (f.ok) return 'pass';
  return f.citation.level === 'MUST' ? 'failure' : 'warning';
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
