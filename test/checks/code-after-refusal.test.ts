// What a refused token request does to its code (issue 13): both outcomes are information
// (no clause binds it); only evidence that is not a refusal followed by a retry fails.
import { describe, expect, it } from 'vitest';
import { codeAfterRefusal } from '../../harness/checks/index.ts';
import { HOSTILE } from './helpers.ts';

describe('codeAfterRefusal (RFC 6749 §4.1.3, §10.5: not bound)', () => {
  it('reports a code that survived the refusal, as information', () => {
    const f = codeAfterRefusal({ refused: { status: 400, error: 'invalid_grant' }, retry: { status: 200 } });
    expect([f.ok, f.info, f.citation.id]).toEqual([true, true, 'RFC6749-4.1.3-code-after-refusal']);
    expect(f.message).toMatch(/survived .* served/);
  });
  it('reports a code the refusal spent, as information', () => {
    const f = codeAfterRefusal({ refused: { status: 400, error: 'invalid_grant' }, retry: { status: 400, error: 'invalid_grant' } });
    expect([f.ok, f.info]).toEqual([true, true]);
    expect(f.message).toMatch(/spent the code/);
  });
  // A MAY rule cannot fail (asInformation): evidence that is not a refusal then a retry claims no outcome.
  it('claims no outcome when the first request was not refused, or on hostile evidence', () => {
    const f = codeAfterRefusal({ refused: { status: 200 }, retry: { status: 400 } });
    expect(f.message).toMatch(/not supported .*expected the first token request to be refused/);
    expect((f.actual as { outcome?: string }).outcome).toBeUndefined();
    for (const h of HOSTILE) expect(codeAfterRefusal(h as never).message).toMatch(/expected the refused token request and the retry/);
  });
});
