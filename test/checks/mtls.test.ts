import { describe, expect, it } from 'vitest';
import { accessTokenCertificateBound, introspectionCertificateBinding, metadataAdvertisesBoundTokens, mtlsEndpointAliasesValid } from '../../harness/checks/index.ts';
import { expectFail, expectPass, HOSTILE } from './helpers.ts';

// RFC 8705 §3.1 example: cnf.x5t#S256 of a certificate-bound JWT access token.
const X5T = 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2';
const jwt = (claims: unknown) => `${Buffer.from('{"alg":"ES256","typ":"at+jwt"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.c2ln`;

describe('accessTokenCertificateBound (RFC 8705 §3.1)', () => {
  it('passes for the RFC 8705 §3.1 example claims with the matching thumbprint, and for an opaque token', () => {
    const f = accessTokenCertificateBound({ accessToken: jwt({ iss: 'https://server.example.com', sub: 'ty.webb@example.com', exp: 1493726400, nbf: 1493722800, cnf: { 'x5t#S256': X5T } }), thumbprint: X5T });
    expectPass(f);
    expect(f.citation.id).toBe('RFC8705-3.1-x5t');
    expectPass(accessTokenCertificateBound({ accessToken: 'opaque-handle-2YotnFZFEjr1zCsicMWpAA', thumbprint: X5T }));
  });
  it('fails for a JWT without cnf.x5t#S256 (a SHOULD: a warning) or with another thumbprint, and never throws on hostile input', () => {
    const missing = accessTokenCertificateBound({ accessToken: jwt({ sub: 'x', cnf: { jkt: 'abc' } }), thumbprint: X5T });
    expectFail(missing);
    expect(missing.citation.level).toBe('SHOULD');
    expectFail(accessTokenCertificateBound({ accessToken: jwt({ sub: 'x', cnf: { 'x5t#S256': 'A'.repeat(43) } }), thumbprint: X5T }));
    // Hostile tokens are no JWT (nothing to judge here) or a JWT whose claims are hostile: never a throw.
    for (const h of HOSTILE) expect(typeof accessTokenCertificateBound({ accessToken: h, thumbprint: X5T }).ok).toBe('boolean');
    for (const h of [{}, { cnf: 'x' }, { cnf: { 'x5t#S256': 42 } }, { cnf: [X5T] }]) expectFail(accessTokenCertificateBound({ accessToken: jwt(h), thumbprint: X5T }));
  });
});

describe('introspectionCertificateBinding (RFC 8705 §3.2)', () => {
  it('passes for the RFC 8705 §3.2 example response', () => {
    expectPass(introspectionCertificateBinding({ json: { active: true, iss: 'https://server.example.com', sub: 'ty.webb@example.com', exp: 1493726400, nbf: 1493722800, cnf: { 'x5t#S256': X5T } }, thumbprint: X5T }));
  });
  it('fails without cnf, with another thumbprint, for an inactive token and for hostile values', () => {
    expectFail(introspectionCertificateBinding({ json: { active: true }, thumbprint: X5T }));
    expectFail(introspectionCertificateBinding({ json: { active: true, cnf: { 'x5t#S256': 'other' } }, thumbprint: X5T }));
    expectFail(introspectionCertificateBinding({ json: { active: false }, thumbprint: X5T }));
    for (const h of HOSTILE) expectFail(introspectionCertificateBinding({ json: h, thumbprint: X5T }));
  });
});

describe('metadataAdvertisesBoundTokens (RFC 8705 §3.3)', () => {
  it('passes for tls_client_certificate_bound_access_tokens: true', () => {
    expectPass(metadataAdvertisesBoundTokens({ metadata: { issuer: 'https://as.example', tls_client_certificate_bound_access_tokens: true } }));
  });
  it('fails when absent (default false), false or not a boolean', () => {
    expectFail(metadataAdvertisesBoundTokens({ metadata: { issuer: 'https://as.example' } }));
    expectFail(metadataAdvertisesBoundTokens({ metadata: { tls_client_certificate_bound_access_tokens: false } }));
    expectFail(metadataAdvertisesBoundTokens({ metadata: { tls_client_certificate_bound_access_tokens: 'true' } }));
    for (const h of HOSTILE) expectFail(metadataAdvertisesBoundTokens({ metadata: h }));
  });
});

describe('mtlsEndpointAliasesValid (RFC 8705 §5)', () => {
  it('passes for the RFC 8705 §5 example aliases, and when there are none (OPTIONAL)', () => {
    expectPass(mtlsEndpointAliasesValid({ metadata: { issuer: 'https://server.example.com', mtls_endpoint_aliases: {
      token_endpoint: 'https://mtls.example.com/token', revocation_endpoint: 'https://mtls.example.com/revo', introspection_endpoint: 'https://mtls.example.com/introspect' } } }));
    expectPass(mtlsEndpointAliasesValid({ metadata: { issuer: 'https://server.example.com' } }));
  });
  it('fails for relative paths, http URLs, non-strings and a non-object', () => {
    expectFail(mtlsEndpointAliasesValid({ metadata: { mtls_endpoint_aliases: { token_endpoint: '/token' } } }));
    expectFail(mtlsEndpointAliasesValid({ metadata: { mtls_endpoint_aliases: { token_endpoint: 'http://mtls.example.com/token' } } }));
    expectFail(mtlsEndpointAliasesValid({ metadata: { mtls_endpoint_aliases: { token_endpoint: 42 } } }));
    expectFail(mtlsEndpointAliasesValid({ metadata: { mtls_endpoint_aliases: ['https://mtls.example.com/token'] } }));
  });
});
