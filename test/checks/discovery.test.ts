import { describe, expect, it } from 'vitest';
import {
  discoveryAdvertisesIssParameter,
  discoveryHasEndSessionEndpoint,
  discoveryIssuerMatches,
  discoveryMatchesSchema,
  oauthMetadataAliasMatches,
} from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

const ISSUER = 'http://127.0.0.1:4010';

/** Shaped like OpenID Connect Discovery 1.0 §4.2's example response. */
export const metadata = {
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  userinfo_endpoint: `${ISSUER}/userinfo`,
  jwks_uri: `${ISSUER}/jwks.json`,
  end_session_endpoint: `${ISSUER}/logout`,
  scopes_supported: ['openid', 'profile', 'email'],
  response_types_supported: ['code'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256', 'ES256'],
  token_endpoint_auth_methods_supported: ['client_secret_basic', 'private_key_jwt'],
  code_challenge_methods_supported: ['S256'],
  claims_parameter_supported: false,
  authorization_response_iss_parameter_supported: true,
  x_vendor_extension: { anything: 1 },
};

describe('discoveryMatchesSchema', () => {
  it('passes for complete metadata', () => {
    const f = discoveryMatchesSchema(metadata, 'ex-1');
    expectPass(f);
    expect(f.citation.id).toBe('OIDD-3-metadata');
    expect(f.check).toBe('discovery-matches-schema');
    expect(f.exchange).toBe('ex-1');
  });
  it('passes without token_endpoint (implicit-only OPs may omit it)', () => {
    const { token_endpoint: _, ...rest } = metadata;
    expectPass(discoveryMatchesSchema(rest));
  });
  it('fails naming each missing or mistyped member', () => {
    const { subject_types_supported: _, ...rest } = metadata;
    const f = discoveryMatchesSchema({ ...rest, jwks_uri: 'not a url', response_types_supported: 'code', claims_parameter_supported: 'yes' });
    expectFail(f);
    expect(f.actual).toEqual(
      expect.arrayContaining([
        "(root) must have required property 'subject_types_supported'",
        '/jwks_uri must match format "uri"',
        '/response_types_supported must be array',
        '/claims_parameter_supported must be boolean',
      ]),
    );
    expect(f.message).toContain('/jwks_uri must match format "uri"');
  });
  it('fails for an issuer with a query or fragment', () => {
    const f = discoveryMatchesSchema({ ...metadata, issuer: `${ISSUER}?tenant=a` });
    expectFail(f, /\/issuer must match pattern/);
  });
  it('fails for non-string array members', () => {
    expectFail(discoveryMatchesSchema({ ...metadata, id_token_signing_alg_values_supported: ['RS256', 7] }), /id_token_signing_alg_values_supported\/1 must be string/);
  });
  it.each(HOSTILE)('fails without throwing on hostile metadata %#', (v) => {
    expectFail(discoveryMatchesSchema(v));
  });
});

describe('discoveryIssuerMatches', () => {
  it('passes for exact equality', () => {
    const f = discoveryIssuerMatches({ expected: ISSUER, metadata });
    expectPass(f);
    expect(f.actual).toBe(ISSUER);
  });
  it('fails for a trailing-slash difference (exact comparison, no normalization)', () => {
    const f = discoveryIssuerMatches({ expected: ISSUER, metadata: { ...metadata, issuer: `${ISSUER}/` } });
    expectFail(f, /expected issuer "http:\/\/127\.0\.0\.1:4010" exactly, found "http:\/\/127\.0\.0\.1:4010\/"/);
    expect(f.expected).toBe(ISSUER);
    expect(f.actual).toBe(`${ISSUER}/`);
  });
  it('fails for case differences in the host', () => {
    expectFail(discoveryIssuerMatches({ expected: 'https://op.example.com', metadata: { ...metadata, issuer: 'https://OP.example.com' } }));
  });
  it('fails when issuer is missing or not a string', () => {
    expectFail(discoveryIssuerMatches({ expected: ISSUER, metadata: {} }), /no issuer member/);
    expectFail(discoveryIssuerMatches({ expected: ISSUER, metadata: { issuer: [ISSUER] } }), /found a array/);
  });
  it.each(HOSTILE)('fails without throwing on hostile metadata %#', (v) => {
    expectFail(discoveryIssuerMatches({ expected: ISSUER, metadata: v }));
  });
  it.each(HOSTILE)('fails without throwing on a hostile input object %#', (v) => {
    expectFail(discoveryIssuerMatches(v as never), undefined, { noExpected: true });
  });
});

describe('discoveryAdvertisesIssParameter', () => {
  it('passes for true', () => expectPass(discoveryAdvertisesIssParameter(metadata)));
  it('fails when absent', () => {
    const { authorization_response_iss_parameter_supported: _, ...rest } = metadata;
    const f = discoveryAdvertisesIssParameter(rest);
    expectFail(f, /absent/);
    expect(f.expected).toBe(true);
  });
  it.each([false, 'true', 1, null])('fails for %j (only the boolean true counts)', (v) => {
    const f = discoveryAdvertisesIssParameter({ ...metadata, authorization_response_iss_parameter_supported: v });
    expectFail(f);
    expect(f.actual).toBe(v);
  });
  it.each(HOSTILE)('fails without throwing on hostile metadata %#', (v) => expectFail(discoveryAdvertisesIssParameter(v)));
});

describe('discoveryHasEndSessionEndpoint', () => {
  it.each(['https://op.example.com/logout', 'http://127.0.0.1:4010/logout', 'http://localhost:3000/end', 'http://[::1]:8080/logout'])('passes for %s', (u) => {
    expectPass(discoveryHasEndSessionEndpoint({ ...metadata, end_session_endpoint: u }));
  });
  it('fails when absent', () => {
    const { end_session_endpoint: _, ...rest } = metadata;
    expectFail(discoveryHasEndSessionEndpoint(rest), /absent/);
  });
  it.each([
    ['http://op.example.com/logout', /non-loopback/],
    ['javascript:alert(1)', /javascript URL/],
    ['/logout', /not an absolute URL/],
    [42, /number/],
  ])('fails for %j', (u, why) => {
    expectFail(discoveryHasEndSessionEndpoint({ ...metadata, end_session_endpoint: u }), why);
  });
  it.each(HOSTILE)('fails without throwing on hostile metadata %#', (v) => expectFail(discoveryHasEndSessionEndpoint(v)));
});

describe('oauthMetadataAliasMatches', () => {
  it('passes for 200 with the same issuer', () => {
    const f = oauthMetadataAliasMatches({ expected: ISSUER, status: 200, metadata });
    expectPass(f);
    expect(f.citation.id).toBe('RFC8414-3-alias');
  });
  it('fails for 404', () => {
    const f = oauthMetadataAliasMatches({ expected: ISSUER, status: 404, metadata: { error: 'not_found' } });
    expectFail(f, /answer 200, found 404/);
    expect(f.actual).toEqual({ status: 404 });
  });
  it('fails for a different issuer', () => {
    expectFail(oauthMetadataAliasMatches({ expected: ISSUER, status: 200, metadata: { ...metadata, issuer: 'http://127.0.0.1:9999' } }), /found "http:\/\/127\.0\.0\.1:9999"/);
  });
  it.each(HOSTILE)('fails without throwing on hostile metadata %#', (v) => expectFail(oauthMetadataAliasMatches({ expected: ISSUER, status: 200, metadata: v })));
  it.each(HOSTILE)('fails without throwing on a hostile input object %#', (v) => expectFail(oauthMetadataAliasMatches(v as never)));
});
