import { describe, it } from 'vitest';
import { SignJWT, generateKeyPair } from 'jose';
import { dpopChallengeScheme, dpopErrorMatchesSchema, dpopNonceChallenge, dpopTokenBound, resourceNonceChallenge } from '../../harness/checks/index.ts';
import { HOSTILE, expectFail, expectPass } from './helpers.ts';

async function at(claims: Record<string, unknown>): Promise<string> {
  const { privateKey } = await generateKeyPair('ES256');
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' }).sign(privateKey);
}
const JKT = 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs';

describe('dpopTokenBound', () => {
  it('passes for token_type DPoP and the matching cnf.jkt', async () => {
    expectPass(dpopTokenBound({ json: { token_type: 'DPoP', access_token: await at({ cnf: { jkt: JKT } }) }, expectedJkt: JKT }));
  });
  it('fails for a Bearer token type', async () => {
    expectFail(dpopTokenBound({ json: { token_type: 'Bearer', access_token: await at({ cnf: { jkt: JKT } }) }, expectedJkt: JKT }), /token_type DPoP/);
  });
  it('fails for a cnf.jkt of another key', async () => {
    expectFail(dpopTokenBound({ json: { token_type: 'DPoP', access_token: await at({ cnf: { jkt: 'other' } }) }, expectedJkt: JKT }), /cnf\.jkt/);
  });
  it('fails on hostile input without throwing', () => {
    for (const h of HOSTILE) expectFail(dpopTokenBound({ json: h, expectedJkt: JKT }));
  });
});

describe('dpopNonceChallenge', () => {
  it('passes for 400 use_dpop_nonce with DPoP-Nonce', () => {
    expectPass(dpopNonceChallenge({ status: 400, json: { error: 'use_dpop_nonce' }, headers: { 'dpop-nonce': 'eyJ7S_zG.eyJH0-Z.HX4w-7v' } }));
  });
  it('fails when the proof was accepted', () => {
    expectFail(dpopNonceChallenge({ status: 200, json: { access_token: 'x' }, headers: {} }), /use_dpop_nonce/);
  });
  it('fails without the DPoP-Nonce header', () => {
    expectFail(dpopNonceChallenge({ status: 400, json: { error: 'use_dpop_nonce' }, headers: {} }), /DPoP-Nonce/);
  });
});

describe('resourceNonceChallenge', () => {
  it('passes for 401 DPoP error="use_dpop_nonce" with DPoP-Nonce', () => {
    expectPass(resourceNonceChallenge({ status: 401, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce", error_description="nonce"', 'dpop-nonce': 'n-1' } }));
  });
  it('fails for a 200', () => {
    expectFail(resourceNonceChallenge({ status: 200, headers: {} }), /401/);
  });
  it('fails for a 401 with another error or without DPoP-Nonce', () => {
    expectFail(resourceNonceChallenge({ status: 401, headers: { 'www-authenticate': 'DPoP error="invalid_dpop_proof"', 'dpop-nonce': 'n-1' } }), /use_dpop_nonce/);
    expectFail(resourceNonceChallenge({ status: 401, headers: { 'www-authenticate': 'DPoP error="use_dpop_nonce"' } }), /DPoP-Nonce/);
  });
  it('leaves the scheme to dpop-challenge-scheme: a Bearer challenge with use_dpop_nonce and a nonce passes', () => {
    expectPass(resourceNonceChallenge({ status: 401, headers: { 'www-authenticate': 'Bearer error="use_dpop_nonce"', 'dpop-nonce': 'n-1' } }));
  });
});

describe('dpopChallengeScheme', () => {
  it('passes for a DPoP challenge with an error', () => {
    expectPass(dpopChallengeScheme({ status: 401, headers: { 'www-authenticate': 'DPoP error="invalid_dpop_proof", algs="ES256 PS256"' } }));
  });
  it('fails for a Bearer challenge', () => {
    expectFail(dpopChallengeScheme({ status: 401, headers: { 'www-authenticate': 'Bearer error="invalid_token"' } }), /DPoP challenge/);
  });
});

describe('dpopErrorMatchesSchema', () => {
  it('passes for 400 invalid_dpop_proof', () => {
    expectPass(dpopErrorMatchesSchema({ status: 400, json: { error: 'invalid_dpop_proof', error_description: 'htm does not match' } }));
  });
  it('fails for another error code', () => {
    expectFail(dpopErrorMatchesSchema({ status: 400, json: { error: 'invalid_request' } }), /DPoP error/);
  });
});
