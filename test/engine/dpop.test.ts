// The client side of DPoP (harness/engine/dpop.ts) against the real reference provider: proofs
// the provider accepts, each declared mutation, and the nonce retry (RFC 9449 §8, §9).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calculateJwkThumbprint, compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import { ath, buildProof, dpopJkt, judgeDpopTokenResponse, lastDpopJkt, redactProof, sendWithDpop } from '../../harness/engine/dpop.ts';
import type { Finding } from '../../harness/core/finding.ts';
import { HttpClient } from '../../harness/engine/http.ts';
import type { ModuleRun } from '../../harness/engine/module-run.ts';
import type { RunningProvider } from '../../provider/server.ts';
import { start } from '../provider/helpers.ts';
import { API_CONFIG, basic } from '../provider/dpop-helpers.ts';

let op: RunningProvider;
let http: HttpClient;
beforeAll(async () => {
  op = await start({ config: { ...API_CONFIG, dpop: { nonce: { token: true, resource: true } } } });
  http = new HttpClient([new URL(op.issuer).origin]);
});
afterAll(async () => {
  await http.close();
  await op.close();
});

/** The parts of a module run the DPoP helpers use: its secrets list (for masking). */
const fakeRun = () => ({ ctx: { secrets: [] as string[] } }) as unknown as ModuleRun;
const claimsOf = (proof: string) => JSON.parse(Buffer.from(proof.split('.')[1], 'base64url').toString());

function tokenRequest(run: ModuleRun, dpop: unknown) {
  const url = `${op.issuer}/token`;
  return sendWithDpop(run, { id: 'token', do: 'token', with: { dpop } }, { method: 'POST', url }, (h) =>
    http.send(url, { step: 'token', label: 'token', method: 'POST', headers: { authorization: basic('touchstone-api', 'touchstone-api-secret'), ...h }, body: { grant_type: 'client_credentials', resource: `${op.issuer}/api/resource` } }));
}

describe('buildProof', () => {
  it('signs a proof its own jwk verifies, with htm, htu, iat, jti and ath', async () => {
    const run = fakeRun();
    const { proof, jkt } = await buildProof(run, {}, { method: 'get', url: `${op.issuer}/api/resource?x=1`, accessToken: 'at-1' });
    const header = decodeProtectedHeader(proof);
    expect(header.typ).toBe('dpop+jwt');
    await compactVerify(proof, await importJWK(header.jwk as JWK, 'ES256'));
    const c = claimsOf(proof);
    expect(c).toMatchObject({ htm: 'GET', htu: `${op.issuer}/api/resource`, ath: ath('at-1') });
    expect(typeof c.jti).toBe('string');
    expect(jkt).toBe(await calculateJwkThumbprint(header.jwk as JWK));
    expect(jkt).toBe(await dpopJkt(run));
    expect(await dpopJkt(run, 'other')).not.toBe(jkt);
  });
  it('applies the declared mutations', async () => {
    const run = fakeRun();
    const req = { method: 'GET', url: `${op.issuer}/api/resource`, accessToken: 'at' };
    expect(decodeProtectedHeader((await buildProof(run, { typ: 'JWT' }, req)).proof).typ).toBe('JWT');
    expect(claimsOf((await buildProof(run, { omit: ['jti', 'ath'] }, req)).proof)).not.toHaveProperty('jti');
    expect((await buildProof(run, { alg: 'none' }, req)).proof.endsWith('.')).toBe(true);
    expect(claimsOf((await buildProof(run, { iat_offset: -3600 }, req)).proof).iat).toBeLessThan(Date.now() / 1000 - 3000);
    expect(claimsOf((await buildProof(run, { htu_variant: 'query' }, req)).proof).htu).toBe(`${op.issuer}/api/resource?touchstone=1`);
    expect(claimsOf((await buildProof(run, { ath: 'wrong' }, req)).proof).ath).not.toBe(ath('at'));
    const withPrivate = (await buildProof(run, { private_key_in_jwk: true }, req)).proof;
    expect(typeof (decodeProtectedHeader(withPrivate).jwk as JWK).d).toBe('string');
    // The recorded copy shows *** for the private members.
    expect((decodeProtectedHeader(redactProof(withPrivate)).jwk as JWK).d).toBe('***');
  });
});

describe('sendWithDpop', () => {
  it('answers a use_dpop_nonce challenge once with the server nonce, and the token is bound to the key', async () => {
    const run = fakeRun();
    const before = http.exchanges.length;
    const ex = await tokenRequest(run, true);
    expect(ex.response?.status, ex.response?.body).toBe(200);
    const sent = http.exchanges.slice(before);
    expect(sent).toHaveLength(2);
    expect(sent[0].response?.headers['dpop-nonce']).toBeTruthy();
    expect(claimsOf(sent[1].request.headers.dpop).nonce).toBe(sent[0].response?.headers['dpop-nonce']);
    expect((ex.response?.json as { token_type: string }).token_type).toBe('DPoP');
    expect(lastDpopJkt(run)).toBe(await dpopJkt(run));
  });
  it('with nonce: omit returns the challenge itself', async () => {
    const ex = await tokenRequest(fakeRun(), { nonce: 'omit' });
    expect(ex.response?.status).toBe(400);
    expect((ex.response?.json as { error: string }).error).toBe('use_dpop_nonce');
  });
  it('jti: replay sends the previous proof again, and the provider refuses it', async () => {
    const run = fakeRun();
    expect((await tokenRequest(run, true)).response?.status).toBe(200);
    const again = await tokenRequest(run, { jti: 'replay' });
    expect((again.response?.json as { error: string }).error).toBe('invalid_dpop_proof');
  });
  it('records a proof that carries a private key with the private members masked; the provider refuses it', async () => {
    const ex = await tokenRequest(fakeRun(), { private_key_in_jwk: true });
    expect((ex.response?.json as { error: string }).error).toBe('invalid_dpop_proof');
    expect((decodeProtectedHeader(ex.request.headers.dpop).jwk as JWK).d).toBe('***');
  });
  it('sends no DPoP header when the step has no with.dpop', async () => {
    const ex = await tokenRequest(fakeRun(), undefined);
    expect(ex.request.headers.dpop).toBeUndefined();
    expect((ex.response?.json as { token_type: string }).token_type).toBe('Bearer');
  });
});

describe('judgeDpopTokenResponse (a refusal)', () => {
  // A stale iat (RFC 9449 §4.3 (11)) may be refused outright or answered with a nonce challenge (§8).
  const step = { id: 'par', do: 'par', with: { dpop: { iat_offset: -3600, nonce: 'omit' } }, expect: { error: ['invalid_dpop_proof', 'use_dpop_nonce'] } };
  const judge = (status: number, json: unknown, headers: Record<string, string> = {}) => {
    const findings: Finding[] = [];
    const run = { add: (...f: Finding[]) => findings.push(...f) } as unknown as ModuleRun;
    judgeDpopTokenResponse(run, step as never, { status, json, body: JSON.stringify(json), headers } as never, 'ex-1', true);
    return findings;
  };
  it('judges invalid_dpop_proof by the DPoP error schema, not as a nonce challenge (pass)', () => {
    const f = judge(400, { error: 'invalid_dpop_proof' });
    expect(f.map((x) => [x.check, x.ok])).toEqual([['dpop-error-schema', true]]);
  });
  it('judges use_dpop_nonce as a nonce challenge: one without a DPoP-Nonce header fails', () => {
    expect(judge(400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': 'n-1' }).map((x) => [x.check, x.ok])).toEqual([['dpop-nonce-challenge', true]]);
    expect(judge(400, { error: 'use_dpop_nonce' }).map((x) => [x.check, x.ok])).toEqual([['dpop-nonce-challenge', false]]);
  });
});
