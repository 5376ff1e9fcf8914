import { describe, expect, it } from 'vitest';
import { expectOutcome } from '../../harness/checks/index.ts';
import { pass, fail } from '../../harness/core/finding.ts';
import { CITATIONS } from '../../harness/core/citations.ts';
import { HOSTILE } from './helpers.ts';

describe('expectOutcome', () => {
  it('turns a passing verdict into a finding under the given citation', () => {
    const f = expectOutcome('RFC7636-4.6-verify', 'pkce-wrong-verifier-refused', pass('token request refused with invalid_grant', 'invalid_grant', 'invalid_grant'), 'ex-7');
    expect(f).toEqual({
      check: 'pkce-wrong-verifier-refused',
      citation: CITATIONS['RFC7636-4.6-verify'],
      ok: true,
      message: 'token request refused with invalid_grant',
      expected: 'invalid_grant',
      actual: 'invalid_grant',
      exchange: 'ex-7',
    });
  });
  it('turns a failing verdict into a failed finding', () => {
    const f = expectOutcome('RFC6749-4.1.2-code-single-use', 'code-replay-refused', fail('expected error=invalid_grant on code reuse, found 200 with a new access token', 'invalid_grant', 200));
    expect(f.ok).toBe(false);
    expect(f.citation.level).toBe('MUST');
    expect(f.message).toMatch(/expected error=invalid_grant/);
    expect(f.expected).toBe('invalid_grant');
    expect(f.actual).toBe(200);
    expect(f.exchange).toBeUndefined();
  });
  it.each(HOSTILE)('fails (without throwing) for a malformed verdict %#', (v) => {
    const f = expectOutcome('RFC6749-5.2-error', 'x', v as never);
    expect(f.ok).toBe(false);
    expect(f.message).toMatch(/could not be evaluated/);
  });
  it('throws for an unknown citation id (a programming error)', () => {
    expect(() => expectOutcome('NOPE-1' as never, 'x', pass('ok'))).toThrow(/unknown citation id "NOPE-1"/);
  });
});
