// plans/fapi2-security-profile.yaml holds a counterpart for each OIDF FAPI 2.0 Security Profile
// (final) OP module that applies to plain FAPI + OpenID Connect + private_key_jwt + DPoP
// (../shared/guide/oidf-modules.md): mapped to a module that applies, or skipped with a reason.
import { describe, expect, it } from 'vitest';
import { applicability, loadCatalog, selectModules } from '../../harness/engine/catalog.ts';
import { loadPlan } from '../../harness/engine/load-plan.ts';

const FAPI2_SP = [
  'discovery-end-point-verification', 'happy-flow', 'user-rejects-authentication', 'ensure-authorization-request-without-state-success',
  'ensure-authorization-request-without-nonce-success', 'ensure-authorization-request-with-64-char-nonce-success', 'ensure-other-scope-order-succeeds',
  'test-claims-parameter-identity-claims', 'access-token-type-header-case-sensitivity', 'check-dpop-proof-nbf-exp',
  'ensure-dpopproof-with-iat-10seconds-before-succeeds', 'ensure-dpopproof-with-iat-10seconds-after-succeeds', 'ensure-mismatched-dpop-jkt-fails',
  'ensure-token-endpoint-fails-with-mismatched-dpop-proof-jkt', 'ensure-token-endpoint-fails-with-mismatched-dpop-jkt',
  'ensure-dpopproof-at-par-endpoint-binding-success', 'ensure-dpop-auth-code-binding-success',
  // 18-23: the request-object (message signing) variants; the guide names them only as a group, the
  // OIDF Message Signing plan (FAPI2MessageSigningFinalTestPlan) by these names.
  'ensure-different-nonce-inside-and-outside-request-object', 'ensure-different-state-inside-and-outside-request-object',
  'state-only-outside-request-object-not-used', 'ensure-request-object-without-redirect-uri-fails',
  'ensure-request-object-without-exp-fails', 'ensure-request-object-without-nbf-fails',
  'ensure-registered-redirect-uri', 'plain-fapi-tolerate-unregistered-redirect-uri', 'ensure-unsigned-authorization-request-without-using-par-fails',
  'ensure-redirect-uri-in-authorization-request', 'ensure-response-type-code-idtoken-fails', 'ensure-response-type-token-fails',
  'ensure-client-id-in-token-endpoint', 'ensure-holder-of-key-required', 'ensure-authorization-code-is-bound-to-client',
  'attempt-reuse-authorization-code-after-one-second', 'ensure-token-endpoint-fails-with-expired-auth-code',
  'ensure-signed-client-assertion-with-RS256-fails', 'ensure-client-assertion-in-token-endpoint',
  'ensure-client-assertion-with-exp-is-5-minutes-in-past-fails', 'ensure-client-assertion-with-wrong-aud-fails',
  'ensure-client-assertion-with-no-sub-fails', 'dpop-negative-tests', 'refresh-token',
  'par-ensure-reused-request-uri-prior-to-auth-completion-succeeds', 'par-attempt-reuse-request_uri', 'par-attempt-to-use-expired-request_uri',
  'par-ensure-jwt-client-assertions-nbf-8-seconds-in-the-future-is-accepted', 'par-ensure-jwt-client-assertions-nbf-over-60-seconds-in-the-future-fails',
  'par-attempt-to-use-request_uri-for-different-client', 'par-authorization-request-containing-request_uri-form-param',
  'par-attempt-invalid-http-method', 'par-ensure-pkce-required', 'ensure-pkce-code-verifier-required', 'incorrect-pkce-code-verifier-rejected',
  'par-plain-pkce-rejected', 'par-without-duplicate-parameters', 'par-test-array-as-audience-fails', 'par-test-par-endpoint-url-as-audience-fails',
  'par-test-token-endpoint-url-as-audience-fails',
].map((m) => `fapi2-security-profile-final-${m}`);

/** Skipped with a reason: none (the reference provider takes request objects by value since issue 14). */
const SKIPPED: string[] = [];

describe('plans/fapi2-security-profile.yaml', () => {
  it('lists every module the guide names for plain FAPI + OIDC + private_key_jwt + DPoP (1-28, 30-42, 47-62)', () => {
    expect(new Set(FAPI2_SP).size).toBe(FAPI2_SP.length);
    expect(FAPI2_SP.length).toBe(57);
  });

  it('has a counterpart for each, applicable or skipped with a reason', async () => {
    const plan = await loadPlan(new URL('../../plans/fapi2-security-profile.yaml', import.meta.url).pathname);
    const mods = selectModules(plan, loadCatalog(plan));
    const covered = new Map<string, string>();
    for (const m of mods) {
      const app = applicability(m, plan);
      for (const c of [m.counterpart ?? []].flat()) covered.set(c, app.applies ? m.id : `${m.id} (skipped: ${app.reason})`);
    }
    expect(FAPI2_SP.filter((c) => !covered.has(c))).toEqual([]);
    expect(FAPI2_SP.filter((c) => covered.get(c)!.includes('(skipped: '))).toEqual(SKIPPED);
  });

  it('runs only FAPI-flavoured modules (PAR + private_key_jwt), never the plain code-flow ones', async () => {
    const plan = await loadPlan(new URL('../../plans/fapi2-security-profile.yaml', import.meta.url).pathname);
    const sources = new Set(selectModules(plan, loadCatalog(plan)).map((m) => m.source));
    expect([...sources].sort()).toEqual(['suites/dpop.yaml', 'suites/fapi2.yaml'].filter((s) => sources.has(s)));
    expect(Object.values(plan.clients).every((c) => c.auth === 'private_key_jwt')).toBe(true);
  });
});
