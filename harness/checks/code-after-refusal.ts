// What a refused token request does to its authorization code (issue 13): RFC 6749 §4.1.3 and
// §10.5 bind a code to one use, but no clause says whether a refused redemption (a wrong
// code_verifier) spends it. Both answers are allowed; the finding says which the OP gave.
import { defineCheck, fail, type Verdict } from '../core/finding.ts';
import { evidence, isRecord, preview } from './util.ts';

export interface CodeAfterRefusalEvidence {
  /** The refused token request: its HTTP status and error. */
  refused: { status: number; error?: string };
  /** The correct token request for the same code that followed it. */
  retry: { status: number; error?: string };
}

export const codeAfterRefusal = defineCheck<CodeAfterRefusalEvidence>('code-after-refusal', 'RFC6749-4.1.3-code-after-refusal', (input): Verdict => {
  const expected = 'either outcome: the code served after the refusal, or spent by it (no clause binds it)';
  if (!isRecord(input) || !isRecord(input.refused) || !isRecord(input.retry) || typeof input.refused.status !== 'number' || typeof input.retry.status !== 'number') return fail('expected the refused token request and the retry that followed it', expected, evidence(input));
  const { refused, retry } = input as unknown as CodeAfterRefusalEvidence;
  if (refused.status < 400) return fail(`expected the first token request to be refused, but it was answered HTTP ${refused.status}`, expected, { refused, retry });
  const first = `HTTP ${refused.status}${refused.error ? ` ${refused.error}` : ''}`;
  if (retry.status === 200) return { ok: true, info: true, message: `information: the code survived the refused request (${first}); the correct request that followed was served (HTTP 200)`, expected, actual: { refused, retry, outcome: 'served' } };
  return { ok: true, info: true, message: `information: the refused request (${first}) spent the code; the correct request that followed was refused (HTTP ${retry.status}${retry.error ? ` ${preview(retry.error)}` : ''})`, expected, actual: { refused, retry, outcome: 'spent' } };
});
