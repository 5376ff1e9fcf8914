import { describe, expect, it } from 'vitest';
import { assertionUsedOnceConcurrently, authReqIdRedeemedOnceConcurrently, deviceCodeRedeemedOnceConcurrently, dpopProofUsedOnceConcurrently } from '../../harness/checks/index.ts';
import { asDeclared } from '../../harness/core/finding.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

describe('assertionUsedOnceConcurrently (OpenID Connect Core §9, SHOULD)', () => {
  it('passes when exactly one of the concurrent requests is served and the rest refused', () => {
    expectPass(assertionUsedOnceConcurrently({ statuses: [401, 200, 400, 401], replay: 401 }));
  });
  it('fails when one assertion is served twice, saying whether a later copy was refused', () => {
    const f = assertionUsedOnceConcurrently({ statuses: [200, 200, 401], replay: 401 });
    expectFail(f, /found 2; one more copy sent afterwards was refused \(401\): the server remembers the jti, but not atomically/);
    expect(f.citation.level).toBe('SHOULD');
    expectFail(assertionUsedOnceConcurrently({ statuses: [200, 200], replay: 200 }), /keeps no record of the jti/);
  });
  it('fails when none is served, or another answer than a 4xx comes back', () => {
    expectFail(assertionUsedOnceConcurrently({ statuses: [401, 401] }), /found none/);
    expectFail(assertionUsedOnceConcurrently({ statuses: [200, 500, 400] }), /found statuses 200, 500, 400/);
  });
  it.each(HOSTILE)('fails cleanly for hostile input %#', (v) => {
    expectFail(assertionUsedOnceConcurrently({ statuses: v as number[] }));
    expectFail(assertionUsedOnceConcurrently(v as { statuses: number[] }));
  });
});

describe('dpopProofUsedOnceConcurrently (RFC 9449 §11.1, MAY)', () => {
  it('passes when exactly one of the concurrent requests is served and the rest refused', () => {
    expectPass(dpopProofUsedOnceConcurrently({ statuses: [400, 400, 200, 400], replay: 400 }));
  });
  it('fails when one proof is served twice: information under its MAY, a failure when judged higher', () => {
    const f = dpopProofUsedOnceConcurrently({ statuses: [200, 400, 200, 400], replay: 400 });
    // The RFC lets a server keep no jtis (and names several servers without shared state): a MAY.
    expect(f.ok).toBe(true);
    expect(f.info).toBe(true);
    expect(f.message).toMatch(/^not supported \(RFC 9449 §11\.1 is a MAY\): expected at most one of 4 concurrent requests carrying one DPoP proof \(same jti\) to be served, found 2/);
    // In a module that applies by a plan variant (instances: several, one shared store), the plan
    // says the OP keeps jtis across its instances: the MAY not done is a failed finding (a warning).
    const declared = asDeclared(f);
    expect(declared.ok).toBe(false);
    expect(declared.message).toMatch(/^the plan says the OP implements this optional behaviour, but: expected at most one/);
  });
  it.each(HOSTILE)('never throws on hostile input %#', (v) => {
    const f = dpopProofUsedOnceConcurrently({ statuses: v as number[] });
    expect(f.info).toBe(true);
    expect(f.message).toMatch(/expected the statuses of at least two concurrent requests/);
  });
});

describe('deviceCodeRedeemedOnceConcurrently / authReqIdRedeemedOnceConcurrently (RFC 8628 §3.5, CIBA §10.1, RFC 6749 §10.5)', () => {
  it('passes when one poll of the approved handle gets tokens and the rest are refused', () => {
    expect(deviceCodeRedeemedOnceConcurrently({ statuses: [400, 200, 400, 400] }).ok).toBe(true);
    expect(authReqIdRedeemedOnceConcurrently({ statuses: [200, 400, 400] }).ok).toBe(true);
  });
  it('fails when the handle yields tokens more than once, or not at all', () => {
    const twice = deviceCodeRedeemedOnceConcurrently({ statuses: [200, 200, 400] });
    expect(twice.ok).toBe(false);
    expect(twice.message).toMatch(/at most one of 3 .*device_code.* found 2/);
    expect(authReqIdRedeemedOnceConcurrently({ statuses: [400, 400] }).ok).toBe(false);
  });
});
