// The information level: a MAY the OP did not implement is "not supported", never a warning or a
// failure (asInformation, weight); a module the plan opted into judges it again (asDeclared).
import { describe, expect, it } from 'vitest';
import { expectOutcome } from '../../harness/checks/index.ts';
import { asDeclared, asInformation, defineCheck, fail, notSupported, pass, weight } from '../../harness/core/finding.ts';

const mayCheck = defineCheck<boolean>('may-check', 'RFC6750-2.2-form-body', (ok) => (ok ? pass('done') : fail('refused')));
const mustCheck = defineCheck<boolean>('must-check', 'RFC6749-5.1-no-store', (ok) => (ok ? pass('done') : fail('missing')));

describe('information findings', () => {
  it('a failed MAY becomes "not supported" information, weighed as info', () => {
    const f = mayCheck(false);
    expect(f).toMatchObject({ ok: true, info: true });
    expect(f.message).toMatch(/^not supported \(RFC 6750 §2.2 is a MAY\): refused/);
    expect(weight(f)).toBe('info');
  });
  it('a MAY done passes; a failed MUST still fails', () => {
    expect(weight(mayCheck(true))).toBe('pass');
    expect(weight(mustCheck(false))).toBe('failure');
    expect(asInformation(mustCheck(false)).ok).toBe(false);
  });
  it('engine expectations under a MAY citation become information too', () => {
    const f = expectOutcome('RFC6750-2.2-form-body', 'userinfo-succeeds', { ok: false, message: 'HTTP 401' });
    expect(f).toMatchObject({ ok: true, info: true });
  });
  it('notSupported is information whatever the citation', () => {
    const f = defineCheck<null>('optional', 'RFC9700-4.14.2-rotation-optional', () => notSupported('not rotated'))(null);
    expect(weight(f)).toBe('info');
  });
  it('asDeclared turns a MAY not done back into a failure (a warning) when the plan declared it', () => {
    const f = asDeclared(mayCheck(false));
    expect(f.ok).toBe(false);
    expect(f.info).toBeUndefined();
    expect(f.message).toMatch(/the plan says the OP implements this optional behaviour, but: refused/);
    expect(weight(f)).toBe('warning');
    expect(asDeclared(mustCheck(false))).toEqual(mustCheck(false));
  });
});
