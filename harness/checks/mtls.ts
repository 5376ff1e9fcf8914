// Checks on mutual TLS (RFC 8705): certificate-bound access tokens (§3.1), their introspection
// (§3.2), and the authorization server metadata (§3.3, §5). The refusals (no certificate, another
// certificate, §2 and §3) are the modules' expectations; these judge what a success carries.
import { defineCheck, fail, pass } from '../core/finding.ts';
import { evidence, field, isRecord, preview } from './util.ts';

/** The payload of a compact JWS, or undefined when the token is not one (an opaque token). */
function jwtPayload(token: unknown): Record<string, unknown> | undefined {
  if (typeof token !== 'string' || token.length > 100_000) return undefined;
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const p = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as unknown;
    return isRecord(p) ? p : undefined;
  } catch {
    return undefined;
  }
}

/**
 * RFC 8705 §3.1: a JWT access token bound to the client certificate SHOULD carry its SHA-256
 * thumbprint as cnf.x5t#S256, and one it carries MUST be the thumbprint of the certificate of the
 * token request. An opaque token says nothing here (§3: the binding may be conveyed by
 * introspection instead, §3.2) and passes.
 */
export const accessTokenCertificateBound = defineCheck<{ accessToken: unknown; thumbprint: string }>(
  'access-token-certificate-bound',
  'RFC8705-3.1-x5t',
  (input) => {
    const token = field(input, 'accessToken');
    const thumbprint = field(input, 'thumbprint');
    const expected = { 'cnf.x5t#S256': thumbprint };
    const claims = jwtPayload(token);
    if (!claims) return pass('the access token is not a JWT: its binding is judged by introspection and at the resource (RFC 8705 §3.2, §3)', expected, { format: 'opaque' });
    const cnf = claims.cnf;
    const x5t = isRecord(cnf) ? cnf['x5t#S256'] : undefined;
    if (x5t === undefined) return fail(`expected cnf.x5t#S256 ${thumbprint} in the JWT access token, found cnf ${preview(cnf)}: it does not say which certificate it is bound to`, expected, { cnf: evidence(cnf) });
    if (x5t !== thumbprint) return fail(`expected cnf.x5t#S256 ${thumbprint} (the certificate of the token request), found ${preview(x5t)}`, expected, { 'cnf.x5t#S256': evidence(x5t) });
    return pass('the access token is bound to the client certificate (cnf.x5t#S256)', expected, { 'cnf.x5t#S256': x5t });
  },
);

/** RFC 8705 §3.2: the introspection response of a certificate-bound token carries cnf.x5t#S256, the certificate's thumbprint. */
export const introspectionCertificateBinding = defineCheck<{ json: unknown; thumbprint: string }>(
  'introspection-certificate-binding',
  'RFC8705-3.2-introspection-cnf',
  (input) => {
    const json = field(input, 'json');
    const thumbprint = field(input, 'thumbprint');
    const expected = { active: true, 'cnf.x5t#S256': thumbprint };
    if (!isRecord(json)) return fail(`expected an introspection response object, found ${preview(json)}`, expected, evidence(json));
    if (json.active !== true) return fail(`expected active: true for the valid certificate-bound token, found ${preview(json.active)}`, expected, { active: evidence(json.active) });
    const x5t = isRecord(json.cnf) ? json.cnf['x5t#S256'] : undefined;
    if (x5t !== thumbprint) return fail(`expected cnf.x5t#S256 ${thumbprint} for the certificate-bound token, found cnf ${preview(json.cnf)}`, expected, { cnf: evidence(json.cnf) });
    return pass('the introspection response names the certificate the token is bound to', expected, { 'cnf.x5t#S256': x5t });
  },
);

/**
 * RFC 8705 §3.3: tls_client_certificate_bound_access_tokens is OPTIONAL with default false: a
 * server that issues certificate-bound tokens (the plan says so) should say true.
 */
export const metadataAdvertisesBoundTokens = defineCheck<{ metadata: unknown }>(
  'metadata-advertises-certificate-bound-tokens',
  'RFC8705-3.3-metadata',
  (input) => {
    const meta = field(input, 'metadata');
    const v = isRecord(meta) ? meta.tls_client_certificate_bound_access_tokens : undefined;
    const expected = { tls_client_certificate_bound_access_tokens: true };
    if (v === true) return pass('the metadata says access tokens can be certificate-bound', expected, { tls_client_certificate_bound_access_tokens: true });
    return fail(`expected tls_client_certificate_bound_access_tokens: true (the server issues certificate-bound tokens), found ${preview(v)} (absent means false)`, expected, { tls_client_certificate_bound_access_tokens: evidence(v) });
  },
);

/**
 * RFC 8705 §5: mtls_endpoint_aliases is OPTIONAL; when present it is a JSON object whose members
 * are endpoint names (token_endpoint, ...) with URL values (absolute, https: mutual TLS needs TLS).
 */
export const mtlsEndpointAliasesValid = defineCheck<{ metadata: unknown }>(
  'mtls-endpoint-aliases-valid',
  'RFC8705-5-aliases',
  (input) => {
    const meta = field(input, 'metadata');
    const aliases = isRecord(meta) ? meta.mtls_endpoint_aliases : undefined;
    const expected = 'absent, or an object of endpoint names to absolute https URLs';
    if (aliases === undefined) return pass('no mtls_endpoint_aliases: clients use the conventional endpoints (RFC 8705 §5 makes the aliases OPTIONAL)', expected, { mtls_endpoint_aliases: null });
    if (!isRecord(aliases)) return fail(`expected mtls_endpoint_aliases to be a JSON object, found ${preview(aliases)}`, expected, { mtls_endpoint_aliases: evidence(aliases) });
    const bad = Object.entries(aliases).filter(([, v]) => typeof v !== 'string' || !URL.canParse(v) || new URL(v).protocol !== 'https:');
    if (bad.length) return fail(`expected absolute https URLs in mtls_endpoint_aliases, found ${bad.map(([k, v]) => `${k}=${preview(v)}`).join(', ')}`, expected, { mtls_endpoint_aliases: evidence(aliases) });
    return pass(`mtls_endpoint_aliases names ${Object.keys(aliases).length} endpoints, all absolute https URLs`, expected, { mtls_endpoint_aliases: Object.keys(aliases) });
  },
);
