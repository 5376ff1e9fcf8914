// Mutual TLS (RFC 8705) for the oidc-provider peer: features.mTLS with the helpers oidc-provider
// leaves to its host (getCertificate, certificateAuthorized, certificateSubjectMatches), and the
// FAPI 2.0 mTLS clients. The peer's https server requests (never requires) a client
// certificate and trusts the run's test CA for it (main.ts --client-ca); rejectUnauthorized is
// off, so `socket.authorized` says whether the certificate chains to that CA.
import { X509Certificate, createHash } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { clientKeys } from './keys.ts';

type Ctx = { socket?: TLSSocket; req?: { socket?: TLSSocket } };
const socketOf = (ctx: Ctx): TLSSocket | undefined => ctx.socket ?? ctx.req?.socket;

/** The client certificate of the request's TLS connection, as oidc-provider takes it (an X509Certificate). */
function getCertificate(ctx: Ctx): X509Certificate | undefined {
  const s = socketOf(ctx);
  if (!s || typeof s.getPeerCertificate !== 'function') return undefined;
  const peer = s.getPeerCertificate(false);
  return peer?.raw?.length ? new X509Certificate(peer.raw) : undefined;
}

/** RFC 8705 §2.1: the certificate chains to the trusted CA (verified by the TLS layer). */
function certificateAuthorized(ctx: Ctx): boolean {
  return socketOf(ctx)?.authorized === true;
}

/** RFC 4514 DN (last RDN first) as the certificate-order list of `TYPE=value`. */
function rdns(dn: string): string[] {
  return dn.split(/(?<!\\),/).map((r) => r.trim()).filter(Boolean).map((r) => { const i = r.indexOf('='); return `${r.slice(0, i).trim().toUpperCase()}=${r.slice(i + 1).trim()}`; }).reverse();
}

/** RFC 8705 §2.1.2: the registered subject DN or SAN entry is the certificate's. */
function certificateSubjectMatches(ctx: Ctx, property: string, expected: string): boolean {
  const cert = getCertificate(ctx);
  if (!cert) return false;
  const sans = (type: string) => (cert.subjectAltName ?? '').split(/,\s*/).filter((e) => e.startsWith(`${type}:`)).map((e) => e.slice(type.length + 1));
  switch (property) {
    case 'tls_client_auth_subject_dn': {
      const got = cert.subject.split('\n').filter(Boolean).map((r) => { const i = r.indexOf('='); return `${r.slice(0, i).toUpperCase()}=${r.slice(i + 1)}`; });
      const want = rdns(expected);
      return got.length === want.length && got.every((r, i) => r === want[i]);
    }
    case 'tls_client_auth_san_dns': return sans('DNS').includes(expected);
    case 'tls_client_auth_san_uri': return sans('URI').includes(expected);
    case 'tls_client_auth_san_email': return sans('email').includes(expected);
    case 'tls_client_auth_san_ip': return sans('IP Address').includes(expected);
    default: return false;
  }
}

export function mtlsFeature(): Record<string, Record<string, unknown>> {
  return {
    mTLS: { enabled: true, certificateBoundAccessTokens: true, tlsClientAuth: true, selfSignedTlsClientAuth: true, getCertificate, certificateAuthorized, certificateSubjectMatches },
  };
}

/** A self-signed certificate as its public JWK with x5c (RFC 8705 §2.2.2: how the client registers it). */
function certificateJwk(pem: string): Record<string, unknown> {
  const x = new X509Certificate(pem);
  return { ...(x.publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: `x5t-${createHash('sha256').update(x.raw).digest('base64url').slice(0, 16)}`, use: 'sig', x5c: [x.raw.toString('base64')] };
}

/** The FAPI 2.0 clients besides the DPoP ones (clients.ts fapiClients), one registration per
 *  client_auth × sender_constrain pair of plans/peer/fapi2-security-profile.yaml (the same ids, keys
 *  and subjects as plans/fapi2-security-profile.yaml). oidc-provider refuses a token bound both ways
 *  (token_helpers.js setThumbprint), so no DPoP client is registered for certificate-bound tokens. */
export function fapiMtlsClients(selfSignedCertPem: string | undefined): Record<string, unknown>[] {
  // JARM §3 and RFC 9701 default their response algs to RS256, which FAPI 2.0 SP §5.4.1 rules out.
  const main = { jwks: { keys: [clientKeys['fapi-main']] }, redirect_uris: ['https://client.example/cb'], id_token_signed_response_alg: 'PS256',
    authorization_signed_response_alg: 'PS256', introspection_signed_response_alg: 'PS256',
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'], scope: 'openid profile email phone offline_access read write' };
  const second = { jwks: { keys: [clientKeys['fapi-second']] }, redirect_uris: ['https://client.example/cb'], id_token_signed_response_alg: 'ES256',
    authorization_signed_response_alg: 'ES256', introspection_signed_response_alg: 'ES256', grant_types: ['authorization_code', 'refresh_token'] };
  const bound = { tls_client_certificate_bound_access_tokens: true };
  const tls = (dn: string) => ({ token_endpoint_auth_method: 'tls_client_auth', tls_client_auth_subject_dn: dn });
  return [
    // private_key_jwt + certificate-bound tokens (RFC 8705 §3)
    { ...main, ...bound, client_id: 'fapi-bound', token_endpoint_auth_method: 'private_key_jwt' },
    { ...second, ...bound, client_id: 'fapi-bound-2', token_endpoint_auth_method: 'private_key_jwt' },
    // tls_client_auth (RFC 8705 §2.1) + DPoP; jwks sign their request objects (JAR)
    { ...main, ...tls('O=Touchstone,CN=fapi-main'), client_id: 'fapi-mtls', dpop_bound_access_tokens: true },
    { ...second, ...tls('O=Touchstone,CN=fapi-second'), client_id: 'fapi-mtls-2', dpop_bound_access_tokens: true },
    // tls_client_auth + certificate-bound tokens
    { ...main, ...bound, ...tls('O=Touchstone,CN=fapi-main'), client_id: 'fapi-mtls-bound' },
    { ...second, ...bound, ...tls('O=Touchstone,CN=fapi-second'), client_id: 'fapi-mtls-bound-2' },
    // suite:mtls: a self_signed_tls_client_auth client (RFC 8705 §2.2), its certificate from the run (main.ts --self-signed-cert)
    ...(selfSignedCertPem ? [{ ...bound, client_id: 'fapi-mtls-self', token_endpoint_auth_method: 'self_signed_tls_client_auth', jwks: { keys: [certificateJwk(selfSignedCertPem)] },
      id_token_signed_response_alg: 'PS256', introspection_signed_response_alg: 'PS256', authorization_signed_response_alg: 'PS256', response_types: [], redirect_uris: [], grant_types: ['client_credentials'], scope: 'read' }] : []),
  ];
}
