// Engine-facing: turn a verdict the engine reached itself (e.g. "this step was expected to fail
// with invalid_grant, and did") into a Finding under a citation chosen at run time.
import { cite, isCitationId, type CitationId } from '../core/citations.ts';
import { asInformation, type Finding, type Verdict } from '../core/finding.ts';
import { isRecord } from './util.ts';

/**
 * A Finding for `check` under `citation` from a verdict. A malformed verdict becomes a failed
 * finding; an unknown citation id is a programming error and throws.
 */
export function expectOutcome(citation: CitationId, check: string, v: Verdict, exchange?: string): Finding {
  if (!isCitationId(citation)) throw new TypeError(`expectOutcome: unknown citation id ${JSON.stringify(citation)}`);
  const c = cite(citation);
  if (!isRecord(v) || typeof v.ok !== 'boolean') {
    return { check, citation: c, ok: false, message: 'expectation could not be evaluated: the verdict is not { ok: boolean, message }', exchange };
  }
  const message = typeof v.message === 'string' && v.message !== '' ? v.message : v.ok ? 'as expected' : 'not as expected';
  const f: Finding = { check, citation: c, ok: v.ok, message, exchange };
  // A MAY the OP did not implement is information (asInformation), never a warning.
  if (v.expected !== undefined) f.expected = v.expected;
  if (v.actual !== undefined) f.actual = v.actual;
  if (v.info) f.info = true;
  return asInformation(f);
}
