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
}

export interface Verdict {
  ok: boolean;
  message: string;
  expected?: unknown;
  actual?: unknown;
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
    return { check: id, citation: cite(citation), exchange, ...v };
  };
  return Object.assign(fn, { id, citation });
}

export const pass = (message: string, expected?: unknown, actual?: unknown): Verdict => ({ ok: true, message, expected, actual });
export const fail = (message: string, expected?: unknown, actual?: unknown): Verdict => ({ ok: false, message, expected, actual });
