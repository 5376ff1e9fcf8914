// Every exported check cites a real rule; every schema compiles under Ajv strict mode.
import { readdirSync, readFileSync } from 'node:fs';
import Ajv2020Module from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import * as checks from '../../harness/checks/index.ts';
import type { Check } from '../../harness/core/finding.ts';
import { CITATIONS, isCitationId } from '../../harness/core/citations.ts';
import { SCHEMA_NAMES, validateAgainst, validatorFor } from '../../harness/schemas/validate.ts';

type Ctor = typeof Ajv2020Module.default;
const Ajv2020 = ((Ajv2020Module as unknown as { default?: Ctor }).default ?? Ajv2020Module) as Ctor;
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule.default }).default ?? addFormatsModule) as typeof addFormatsModule.default;

const schemaDir = new URL('../../harness/schemas/', import.meta.url);
const exported = Object.entries(checks).filter(([, v]) => typeof v === 'function' && typeof (v as { citation?: unknown }).citation === 'string') as [
  string,
  Check<unknown>,
][];

/** The names and citations the engine relies on. */
const EXPECTED: Record<string, string> = {
  jwksSigningKeysStrong: 'RFC7518-3.3-key-size',
  authReqIdRedeemedOnceConcurrently: 'CIBA-10.1-auth-req-id-race',
  codeAfterRefusedRequest: 'RFC6749-4.1.3-code-after-refusal',
  deviceCodeRedeemedOnceConcurrently: 'RFC8628-3.5-device-code-race',
  refreshAfterAccessRevoked: 'RFC7009-2.1-access-revokes-refresh',
  userCodeEntropy: 'RFC8628-5.1-user-code-entropy',
  authzResponseFormPost: 'FORMPOST-2-form-post',
  authzResponseFragment: 'OAMRT-2.1-fragment',
  discoveryAdvertisedAccepted: 'OIDD-3-advertised-supported',
  dpopTokenBound: 'RFC9449-6-cnf-jkt',
  dpopNonceChallenge: 'RFC9449-8-nonce',
  resourceNonceChallenge: 'RFC9449-9-nonce',
  dpopChallengeScheme: 'RFC9449-7.1-challenge',
  dpopErrorMatchesSchema: 'RFC6749-5.2-error',
  resourceRefusesToken: 'RFC6750-3-www-authenticate',
  protectedResourceMetadataValid: 'RFC9728-3.3-resource',
  discoveryMatchesSchema: 'OIDD-3-metadata',
  discoveryIssuerMatches: 'OIDD-4.3-issuer',
  discoveryAdvertisesIssParameter: 'RFC9207-3-metadata',
  discoveryAdvertisesRequestObjects: 'RFC9101-10.5-metadata',
  discoveryHasEndSessionEndpoint: 'RPIL-2.1-metadata',
  oauthMetadataAliasMatches: 'RFC8414-3-alias',
  jwksMatchesSchema: 'RFC7517-5-jwks',
  jwksHasNoPrivateMembers: 'RFC7517-9.2-no-private',
  jwksKidsAreUnique: 'RFC7517-4.5-unique-kid',
  tokenResponseMatchesSchema: 'RFC6749-5.1-response',
  tokenResponseNoStore: 'RFC6749-5.1-no-store',
  tokenResponseHasIdToken: 'OIDCC-3.1.3.3-token-response',
  errorResponseMatchesSchema: 'RFC6749-5.2-error',
  parResponseMatchesSchema: 'RFC9126-2.2-response',
  discoveryMatchesFapi2Profile: 'FAPI2SP-5.3.2.1-metadata',
  idTokenHasRequiredClaims: 'OIDCC-2-claims',
  idTokenIssMatches: 'OIDCC-3.1.3.7-iss',
  idTokenAudContainsClient: 'OIDCC-3.1.3.7-aud',
  idTokenNotExpired: 'OIDCC-3.1.3.7-exp',
  idTokenIatIsRecent: 'OIDCC-3.1.3.7-iat',
  idTokenIatWithinWindow: 'OIDCC-3.1.3.7-iat-window',
  idTokenAzpIsClient: 'OIDCC-3.1.3.7-azp',
  refreshTokenRotatedOptional: 'RFC9700-4.14.2-rotation-optional',
  idTokenNonceMatches: 'OIDCC-3.1.3.7-nonce',
  idTokenAtHashMatches: 'OIDCC-3.1.3.8-at-hash',
  idTokenSignatureVerified: 'OIDCC-3.1.3.7-signature',
  authzResponseHasIss: 'RFC9207-2-iss',
  authzResponseStateEchoed: 'RFC6749-4.1.2-state',
  authzResponseHasCode: 'RFC6749-4.1.2-code',
  authzResponseAtRedirectUri: 'RFC6749-3.1.2.4',
  accessTokenShortLived: 'RFC6750-5.3-short-lived',
  clientSecretLongEnough: 'OIDCC-16.19-secret-length',
  idTokenMacVerified: 'OIDCC-3.1.3.7-mac',
  userinfoMatchesSchema: 'OIDCC-5.3.2-userinfo-response',
  userinfoSubMatchesIdToken: 'OIDCC-5.3.2-userinfo-sub',
  bearerChallengeOnError: 'RFC6750-3-www-authenticate',
  bearerStatusMatchesError: 'RFC6750-3.1-status',
  logoutStateEchoed: 'RPIL-3-state',
  logoutRedirectIsRegistered: 'RPIL-3-registered-redirect',
  scopeClaimsReturned: 'OIDCC-5.4-scope-claims',
  essentialClaimsReturned: 'OIDCC-5.5.1-essential',
  idTokenHasAuthTime: 'OIDCC-2-auth-time',
  refreshTokenRotated: 'RFC9700-4.14.2-rotation',
  codeRedeemedOnceConcurrently: 'RFC6749-4.1.2-code-race',
  refreshRedeemedOnceConcurrently: 'RFC9700-4.14.2-refresh-race',
  assertionUsedOnceConcurrently: 'OIDCC-9-assertion-jti-race',
  dpopProofUsedOnceConcurrently: 'RFC9449-11.1-jti-race',
  deviceAuthorizationResponseMatchesSchema: 'RFC8628-3.2-response',
  deviceAuthorizationErrorMatchesSchema: 'RFC8628-3.2-error',
  deviceUserCodeIsTypeable: 'RFC8628-6.1-user-code',
  discoveryAdvertisesDevice: 'RFC8628-4-metadata',
  cibaResponseMatchesSchema: 'CIBA-7.3-response',
  cibaErrorMatchesSchema: 'CIBA-13-error',
  cibaPingMatches: 'CIBA-10.2-ping',
  discoveryFapiCibaDeliveryModes: 'FAPICIBA-5.2.2-no-push',
  rarTokenResponseDetails: 'RFC9396-7-token-response',
  rarIntrospectionDetails: 'RFC9396-9.2-introspection',
  discoveryAdvertisesCibaPing: 'CIBA-4-ping-metadata',
  discoveryAdvertisesCiba: 'CIBA-4-metadata',
  clientCredentialsNoRefreshToken: 'RFC6749-4.4.3-no-refresh',
  grantedScopeWithinRequest: 'RFC6749-3.3-scope',
  unavailableScopeNotGranted: 'RFC6749-3.3-scope',
  introspectionResponseMatchesSchema: 'RFC7662-2.2-active',
  introspectionDescribesToken: 'RFC7662-2.2-active',
  introspectionJwtResponseValid: 'RFC9701-5-jwt-response',
  revocationErrorMatchesSchema: 'RFC7009-2.2.1-error',
  registrationResponseMatchesSchema: 'RFC7591-3.2.1-response',
  requestObjectParamUsed: 'RFC9101-6.3-request-only',
  registrationEchoesMetadata: 'RFC7591-3.2.1-response',
  idTokenRefreshNonce: 'OIDCC-12.2-refresh-nonce',
  idTokenRefreshHasNoNonce: 'OIDCC-12.2-refresh-no-nonce',
  opPagesRefuseFraming: 'RFC9700-4.16-clickjacking',
  opPagesReferrerPolicy: 'RFC9700-4.2.4-referrer-policy',
  tokenResponsePragmaNoCache: 'RFC6749-5.1-pragma',
  accessTokenJwtProfile: 'RFC9068-2.2-profile',
  tokenEntropyMinimum: 'RFC6749-10.10-entropy-128',
  tokenEntropySuggested: 'RFC6749-10.10-entropy-160',
  tlsCertificateValid: 'RFC6749-10.9-server-auth',
  tlsModernVersion: 'RFC9325-3.1.1-tls12',
  tlsDeprecatedVersionsRefused: 'RFC9325-3.1.1-no-tls10-11',
  tlsForbiddenCiphersRefused: 'RFC9325-4.1-must-not',
  tlsDiscouragedCiphersRefused: 'RFC9325-4.1-should-not',
  httpsRequired: 'RFC6749-3.1-tls-required',
  accessTokenCertificateBound: 'RFC8705-3.1-x5t',
  introspectionCertificateBinding: 'RFC8705-3.2-introspection-cnf',
  metadataAdvertisesBoundTokens: 'RFC8705-3.3-metadata',
  mtlsEndpointAliasesValid: 'RFC8705-5-aliases',
  jarmResponseInMode: 'JARM-2.3-response-mode',
  jarmResponseSigned: 'JARM-2.2-signed',
  jarmResponseIss: 'JARM-2.1-iss',
  jarmResponseAud: 'JARM-2.1-aud',
  jarmResponseExp: 'JARM-2.1-exp',
  jarmResponseLifetime: 'JARM-2.1-lifetime',
  jarmResponseParams: 'JARM-2.1-params',
  jarmParamsOnlyInJwt: 'FAPI2MS-5.4.1-iss-inside',
  jarmFapiAlg: 'FAPI2SP-5.4.1-jarm-alg',
  introspectionJwtFapiAlg: 'FAPI2SP-5.4.1-introspection-alg',
};

describe('check registry', () => {
  it('exports exactly the checks the engine imports, with their citations', () => {
    expect(Object.fromEntries(exported.map(([name, c]) => [name, c.citation]))).toEqual(EXPECTED);
    expect(typeof checks.expectOutcome).toBe('function');
  });
  it.each(exported)('%s cites a registered rule', (_name, c) => {
    expect(isCitationId(c.citation)).toBe(true);
    expect(CITATIONS[c.citation as keyof typeof CITATIONS].id).toBe(c.citation);
  });
  it('check ids are unique kebab-case', () => {
    const ids = exported.map(([, c]) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
  it('the citations added by checks are present', () => {
    expect(CITATIONS['RFC6749-4.1.2-code'].level).toBe('MUST');
    expect(CITATIONS['OIDCC-5.3.2-userinfo-response'].section).toBe('5.3.2');
  });
});

describe('schemas', () => {
  const files = readdirSync(schemaDir).filter((f) => f.endsWith('.schema.json'));
  it('every schema file has a name in SCHEMA_NAMES and vice versa', () => {
    expect(files.map((f) => f.replace(/\.schema\.json$/, '')).sort()).toEqual([...SCHEMA_NAMES].sort());
  });
  it.each(files)('%s is draft 2020-12 with $id and title, and compiles in strict mode', (file) => {
    const schema = JSON.parse(readFileSync(new URL(file, schemaDir), 'utf8'));
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(schema.$id).toMatch(new RegExp(`/${file.replace('.', '\\.')}$`));
    expect(schema.title.length).toBeGreaterThan(10);
    // A fresh instance: strict mode throws on unknown keywords, ambiguous types, undefined required props.
    const ajv = new Ajv2020({ allErrors: true, strict: true });
    addFormats(ajv);
    expect(() => ajv.compile(schema)).not.toThrow();
  });
  it('validateAgainst caches the compiled validator', () => {
    expect(validatorFor('jwks')).toBe(validatorFor('jwks'));
  });
  it('reports root errors as (root) and nested ones by instance path', () => {
    expect(validateAgainst('oauth-error', [])).toEqual({ ok: false, errors: ['(root) must be object'] });
    expect(validateAgainst('discovery', { issuer: 'https://op', authorization_endpoint: 'https://op/a', jwks_uri: 'nope', response_types_supported: ['code'], subject_types_supported: ['public'], id_token_signing_alg_values_supported: ['ES256'] }))
      .toEqual({ ok: false, errors: ['/jwks_uri must match format "uri"'] });
    expect(validateAgainst('userinfo', { sub: 'a' })).toEqual({ ok: true, errors: [] });
  });
  it('throws for an unknown schema name', () => {
    expect(() => validatorFor('nope' as never)).toThrow(/unknown schema/);
  });
});
