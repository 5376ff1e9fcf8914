// plans/fapi2-security-profile.yaml holds, in every combination of its variant matrix, a counterpart
// for each OIDF FAPI 2.0 Security Profile (final) OP module that the OIDF plan runs in that variant
// (../shared/guide/oidf-modules.md: (m) not for mTLS sender-constraint, (p) not for mTLS client
// auth, (o) not for plain OAuth): mapped to a module that applies there; none skipped.
import { describe, expect, it } from 'vitest';
import { applicability, loadCatalog, resolveSteps, selectModules, stepsInPlan } from '../../harness/engine/catalog.ts';
import { loadPlan } from '../../harness/engine/load-plan.ts';
import { combinationsOf } from '../../harness/plan/matrix.ts';

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

/** The guide's marks: modules the OIDF plan does not run with mTLS sender-constraint (m), mTLS client auth (p), plain OAuth (o). */
const NOT_FOR = {
  m: ['check-dpop-proof-nbf-exp', 'ensure-dpopproof-with-iat-10seconds-before-succeeds', 'ensure-dpopproof-with-iat-10seconds-after-succeeds',
    'ensure-mismatched-dpop-jkt-fails', 'ensure-token-endpoint-fails-with-mismatched-dpop-proof-jkt', 'ensure-token-endpoint-fails-with-mismatched-dpop-jkt',
    'ensure-dpopproof-at-par-endpoint-binding-success', 'ensure-dpop-auth-code-binding-success', 'dpop-negative-tests'],
  p: ['ensure-signed-client-assertion-with-RS256-fails', 'ensure-client-assertion-in-token-endpoint', 'ensure-client-assertion-with-exp-is-5-minutes-in-past-fails',
    'ensure-client-assertion-with-wrong-aud-fails', 'ensure-client-assertion-with-no-sub-fails', 'par-ensure-jwt-client-assertions-nbf-8-seconds-in-the-future-is-accepted',
    'par-ensure-jwt-client-assertions-nbf-over-60-seconds-in-the-future-fails', 'par-test-array-as-audience-fails', 'par-test-par-endpoint-url-as-audience-fails',
    'par-test-token-endpoint-url-as-audience-fails'],
  // 5, 6, 8; and 18, a nonce inside and outside a request object: nonce is an OpenID Connect parameter (OIDC Core §3.1.2.1).
  o: ['ensure-authorization-request-without-nonce-success', 'ensure-authorization-request-with-64-char-nonce-success', 'test-claims-parameter-identity-claims',
    'ensure-different-nonce-inside-and-outside-request-object'],
} as const;
const marked = (k: keyof typeof NOT_FOR) => new Set<string>(NOT_FOR[k].map((m) => `fapi2-security-profile-final-${m}`));

const PLAN = new URL('../../plans/fapi2-security-profile.yaml', import.meta.url).pathname;

describe('plans/fapi2-security-profile.yaml', () => {
  it('lists every module the guide names for plain FAPI + OIDC + private_key_jwt + DPoP (1-28, 30-42, 47-62)', () => {
    expect(new Set(FAPI2_SP).size).toBe(FAPI2_SP.length);
    expect(FAPI2_SP.length).toBe(57);
    for (const k of ['m', 'p', 'o'] as const) expect([...marked(k)].filter((m) => !FAPI2_SP.includes(m))).toEqual([]);
  });

  it('is the OIDF variant matrix: client_auth × sender_constrain × openid × response_mode × request_method in one run', async () => {
    const plan = await loadPlan(PLAN);
    expect(plan.matrix?.dimensions).toEqual({
      client_auth: ['private_key_jwt', 'mtls'], sender_constrain: ['dpop', 'mtls'], openid: ['openid_connect', 'plain_oauth'], response_mode: ['plain', 'jarm'],
      request_method: ['unsigned', 'signed'],
    });
    expect(combinationsOf(plan)).toHaveLength(32);
  });

  it('has, in every combination, an applicable counterpart for each module the OIDF plan runs in that variant', async () => {
    const plan = await loadPlan(PLAN);
    const missing: string[] = [];
    for (const c of combinationsOf(plan)) {
      const v = c.plan.variants!;
      const expected = FAPI2_SP.filter((m) => !(v.sender_constrain === 'mtls' && marked('m').has(m)) && !(v.client_auth === 'mtls' && marked('p').has(m)) && !(v.openid === 'plain_oauth' && marked('o').has(m)));
      const covered = new Set<string>();
      const catalog = loadCatalog(c.plan);
      for (const m of selectModules(c.plan, catalog)) {
        // Applies, and its steps in this combination still test something (catalog stepsInPlan).
        if (applicability(m, c.plan).applies && !stepsInPlan(resolveSteps(m, catalog), c.plan).notApplicable) for (const x of [m.counterpart ?? []].flat()) covered.add(x);
      }
      missing.push(...expected.filter((m) => !covered.has(m)).map((m) => `${c.key}: ${m}`));
    }
    expect(missing).toEqual([]);
  });

  it('its clients are FAPI clients: private_key_jwt or mTLS in every combination, as its client_auth says for main', async () => {
    const plan = await loadPlan(PLAN);
    for (const c of combinationsOf(plan)) {
      expect(Object.values(c.plan.clients).every((x) => ['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'].includes(x.auth)), c.key).toBe(true);
      expect(c.plan.clients.main!.auth, c.key).toBe(c.plan.variants!.client_auth === 'mtls' ? 'tls_client_auth' : 'private_key_jwt');
      const sources = new Set(selectModules(c.plan, loadCatalog(c.plan)).map((m) => m.source));
      expect([...sources].sort(), c.key).toEqual(['suites/dpop.yaml', 'suites/fapi2.yaml', 'suites/mtls.yaml']);
    }
  });
});
