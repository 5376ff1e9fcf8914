// Mutual TLS (RFC 8705): client authentication with a TLS client certificate (§2.1 tls_client_auth,
// §2.2 self_signed_tls_client_auth) and certificate-bound access tokens (§3, cnf.x5t#S256).
// The provider's TLS listener requests (never requires) a client certificate when config
// `tls.mtls` is set (provider/tls.ts); the certificate is read from the request's TLS socket.
// `socket.authorized` says whether it chains to `tls.mtls.ca` (the CAs trusted for tls_client_auth).
import { createHash, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import type { FastifyRequest } from 'fastify';
import type { ClientConfig } from './config.ts';
import type { ProviderContext } from './context.ts';
import { InvalidRequest, InvalidToken } from './errors.ts';
import { isFapi } from './fapi.ts';
import { InvalidClientAuth } from './client-auth.ts';

export const MTLS_AUTH_METHODS = ['tls_client_auth', 'self_signed_tls_client_auth'] as const;
export type MtlsAuthMethod = (typeof MTLS_AUTH_METHODS)[number];

/** The endpoints published in mtls_endpoint_aliases (RFC 8705 §5): those a client calls with its certificate. */
const ALIASED: Record<string, string> = {
  token_endpoint: '/token',
  pushed_authorization_request_endpoint: '/par',
  userinfo_endpoint: '/userinfo',
  introspection_endpoint: '/introspect',
  revocation_endpoint: '/revoke',
  device_authorization_endpoint: '/device_authorization',
  backchannel_authentication_endpoint: '/bc-authorize',
};

export interface PresentedCertificate {
  x509: X509Certificate;
  /** Chains to a CA of `tls.mtls.ca` (the TLS layer verified it; rejectUnauthorized is off). */
  authorized: boolean;
  /** RFC 8705 §3.1: base64url SHA-256 of the DER certificate. */
  thumbprint: string;
}

export function mtlsEnabled(ctx: ProviderContext): boolean {
  return ctx.config.tls?.mtls !== undefined;
}

export function isMtlsMethod(m: string): m is MtlsAuthMethod {
  return (MTLS_AUTH_METHODS as readonly string[]).includes(m);
}

/** RFC 8705 §3.1: x5t#S256 is the base64url SHA-256 thumbprint of the DER-encoded certificate. */
export function certificateThumbprint(der: Buffer): string {
  return createHash('sha256').update(der).digest('base64url');
}

/** The client certificate of the request's TLS connection, if the client sent one. */
export function presentedCertificate(req: FastifyRequest): PresentedCertificate | undefined {
  const socket = req.raw.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function') return undefined;
  const peer = socket.getPeerCertificate(false);
  if (!peer || !peer.raw || peer.raw.length === 0) return undefined;
  return { x509: new X509Certificate(peer.raw), authorized: socket.authorized === true, thumbprint: certificateThumbprint(peer.raw) };
}

/**
 * An RFC 4514 DN string (`O=Touchstone,CN=client`, last RDN first) as the list of its RDNs in
 * certificate order, each `type=value` with the type upper-cased (escaped commas kept).
 */
export function rfc4514Rdns(dn: string): string[] {
  const parts: string[] = [];
  let cur = '';
  for (let i = 0; i < dn.length; i++) {
    const c = dn[i];
    if (c === '\\' && i + 1 < dn.length) { cur += c + dn[++i]; continue; }
    if (c === ',') { parts.push(cur); cur = ''; continue; }
    cur += c;
  }
  parts.push(cur);
  return parts.map(normRdn).filter(Boolean).reverse();
}

function normRdn(rdn: string): string {
  const i = rdn.indexOf('=');
  if (i < 0) return rdn.trim();
  return `${rdn.slice(0, i).trim().toUpperCase()}=${rdn.slice(i + 1).trim()}`;
}

/** Node's X509Certificate.subject (one `type=value` per line, certificate order) as RDNs. */
function certificateRdns(x509: X509Certificate): string[] {
  return x509.subject.split('\n').map(normRdn).filter(Boolean);
}

/** The SAN entries of a type (`DNS`, `URI`, `email`, `IP Address`) in the certificate. */
function sanValues(x509: X509Certificate, type: string): string[] {
  return (x509.subjectAltName ?? '').split(/,\s*/).filter((e) => e.startsWith(`${type}:`)).map((e) => e.slice(type.length + 1).replace(/^"|"$/g, ''));
}

/**
 * RFC 8705 §2.1.2: the registered subject value the certificate must carry (exactly one of the
 * tls_client_auth_* metadata): the subject DN (RFC 4514), or one SAN entry of the given type.
 */
export function subjectMatches(client: ClientConfig, x509: X509Certificate): boolean {
  if (client.tls_client_auth_subject_dn !== undefined) {
    const want = rfc4514Rdns(client.tls_client_auth_subject_dn);
    const got = certificateRdns(x509);
    return want.length === got.length && want.every((r, i) => r === got[i]);
  }
  if (client.tls_client_auth_san_dns !== undefined) return sanValues(x509, 'DNS').some((v) => v.toLowerCase() === client.tls_client_auth_san_dns!.toLowerCase());
  if (client.tls_client_auth_san_uri !== undefined) return sanValues(x509, 'URI').includes(client.tls_client_auth_san_uri);
  if (client.tls_client_auth_san_email !== undefined) return sanValues(x509, 'email').some((v) => v.toLowerCase() === client.tls_client_auth_san_email!.toLowerCase());
  if (client.tls_client_auth_san_ip !== undefined) return sanValues(x509, 'IP Address').includes(client.tls_client_auth_san_ip);
  return false;
}

/** RFC 8705 §2.2.2: the certificates a self-signed client registered, as x5c[0] of its jwks keys (base64 DER). */
function registeredCertificates(client: ClientConfig): string[] {
  return (client.jwks?.keys ?? []).map((k) => (k as { x5c?: string[] }).x5c?.[0]).filter((c): c is string => typeof c === 'string');
}

/**
 * RFC 8705 §2: the client authenticates with the certificate of the TLS connection; a missing or
 * non-matching one is invalid_client (RFC 6749 §5.2). §2.1 (tls_client_auth): the certificate
 * chains to a trusted CA and carries the registered subject; §2.2 (self_signed_tls_client_auth):
 * it is one the client registered in its jwks (x5c). Each rule has its fault switch.
 */
export function authenticateMtlsClient(ctx: ProviderContext, req: FastifyRequest, client: ClientConfig, method: MtlsAuthMethod): void {
  const { faults } = ctx;
  const cert = presentedCertificate(req);
  const fail = (why: string): never => { throw new InvalidClientAuth(`client authentication failed: ${why}`, false); };
  if (!cert) {
    // fault mtls-accept-no-certificate: the client_id alone is taken as authentication.
    if (faults.on('mtls-accept-no-certificate')) return;
    fail('no TLS client certificate was presented (use the mtls_endpoint_aliases)');
  }
  if (method === 'tls_client_auth') {
    // §2.1: PKI: the chain is validated against the trusted CAs (fault mtls-skip-chain-validation).
    if (!cert!.authorized && !faults.on('mtls-skip-chain-validation')) fail('the client certificate does not chain to a trusted CA');
    // §2.1.2: the registered subject DN or SAN value (fault mtls-ignore-subject).
    if (!subjectMatches(client, cert!.x509) && !faults.on('mtls-ignore-subject')) fail('the client certificate subject does not match the registered one');
    return;
  }
  // §2.2: the certificate is one registered for the client (fault mtls-self-signed-any-certificate).
  const der = cert!.x509.raw.toString('base64');
  if (!registeredCertificates(client).includes(der) && !faults.on('mtls-self-signed-any-certificate')) fail('the client certificate is not one registered in the client\'s jwks (x5c)');
}

/**
 * RFC 8705 §3: the thumbprint to bind the issued access tokens to: the certificate of the token
 * request, for a client registered with tls_client_certificate_bound_access_tokens (§3.4).
 */
export function certificateBinding(ctx: ProviderContext, req: FastifyRequest, client: ClientConfig): string | undefined {
  if (!client.tls_client_certificate_bound_access_tokens || !mtlsEnabled(ctx)) return undefined;
  const cert = presentedCertificate(req);
  // FAPI 2.0 SP §5.3.2.1: only sender-constrained tokens: no certificate, no token (fault
  // mtls-bound-client-without-certificate: an unbound one is issued).
  if (!cert && isFapi(ctx, client) && !ctx.faults.on('mtls-bound-client-without-certificate')) {
    throw new InvalidRequest('this client\'s access tokens are certificate-bound: the token request needs a TLS client certificate (mtls_endpoint_aliases)');
  }
  // fault mtls-no-token-binding: tokens are issued unbound (no cnf.x5t#S256).
  if (ctx.faults.on('mtls-no-token-binding')) return undefined;
  return cert?.thumbprint;
}

/**
 * RFC 8705 §3: a protected resource (UserInfo, /api) obtains the client certificate of the request
 * and verifies that it matches the one the token is bound to; if not, 401 invalid_token.
 */
export function checkCertificatePresentation(ctx: ProviderContext, req: FastifyRequest, x5t: string | undefined): void {
  if (x5t === undefined) return;
  const cert = presentedCertificate(req);
  if (!cert) {
    // fault mtls-bound-token-without-certificate: a bound token works with no certificate at all.
    if (ctx.faults.on('mtls-bound-token-without-certificate')) return;
    throw new InvalidToken('the access token is bound to a TLS client certificate: present it (mutual TLS)');
  }
  // fault mtls-ignore-certificate-binding: another certificate is accepted.
  if (cert.thumbprint !== x5t && !ctx.faults.on('mtls-ignore-certificate-binding')) throw new InvalidToken('the TLS client certificate is not the one the access token is bound to');
}

/** Discovery members for mTLS (RFC 8705 §2.1.1, §2.2.1, §3.3, §5), when `tls.mtls` is configured. */
export function mtlsMetadata(ctx: ProviderContext): Record<string, unknown> {
  if (!mtlsEnabled(ctx)) return {};
  // fault mtls-relative-aliases: paths instead of absolute URLs.
  const base = ctx.faults.on('mtls-relative-aliases') ? '' : ctx.issuer;
  const aliases = Object.fromEntries(Object.entries(ALIASED).map(([name, path]) => [name, `${base}${path}`]));
  return {
    // §3.3: the server supports certificate-bound access tokens (fault: omitted, i.e. false).
    ...(ctx.faults.on('mtls-metadata-omit-bound-tokens') ? {} : { tls_client_certificate_bound_access_tokens: true }),
    // §5: the endpoints a client using mutual TLS calls; here the same listener serves both (it
    // requests, never requires, a certificate), so the aliases are the conventional URLs.
    mtls_endpoint_aliases: aliases,
  };
}
