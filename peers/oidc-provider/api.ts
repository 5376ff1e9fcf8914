// A small protected resource for the peer (test infrastructure, not harness code): oidc-provider hosts
// no API, so the FAPI plan's plain OAuth flows and the DPoP / mTLS resource modules call this one,
// served by main.ts at /api/resource and /api/other (two resource servers, two audiences).
// - features.resourceIndicators (RFC 8707): each path is a resource server whose identifier is its
//   URL; tokens asked for it carry that aud. Opaque tokens, found through oidc-provider's own models
//   (AccessToken, ClientCredentials) in the same process.
// - Sender constraint: DPoP (RFC 9449 §4.3, §7) and certificate-bound tokens (RFC 8705 §3).
// - Every refusal is 401 with a WWW-Authenticate challenge (RFC 6750 §3, RFC 9449 §7.1).
import { X509Certificate, createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify, type JWK } from 'jose';
import { errors } from 'oidc-provider';

export const API_PATHS = ['/api/resource', '/api/other'];
const SCOPE = 'read write';
// FAPI 2.0 SP §5.4.1: PS256, ES256, EdDSA (the peer's dPoPSigningAlgValues too).
const DPOP_ALGS = ['PS256', 'ES256', 'EdDSA'];
// RFC 9449 §11.1: a proof's iat within this many seconds of now (both ways); its jti kept as long.
const IAT_WINDOW = 60;

/** features.resourceIndicators: the API paths of this issuer are the resource servers (RFC 8707 §2). */
export function resourceIndicators(): Record<string, Record<string, unknown>> {
  return {
    resourceIndicators: {
      enabled: true,
      defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string) => oneOf,
      // RFC 8707 §2.2: the token request may omit resource; then the one granted at authorization is used.
      useGrantedResource: async () => true,
      getResourceServerInfo: async (ctx: { oidc: { issuer: string } }, indicator: string) => {
        if (!API_PATHS.some((p) => indicator === `${ctx.oidc.issuer}${p}`)) throw new errors.InvalidTarget();
        return { scope: SCOPE, audience: indicator, accessTokenFormat: 'opaque' };
      },
    },
  };
}

class Refusal extends Error {
  readonly error: 'invalid_token' | 'invalid_dpop_proof' | 'invalid_request' | '';
  constructor(error: Refusal['error'], message: string) {
    super(message);
    this.error = error;
  }
}

type Token = { aud?: string; jkt?: string; 'x5t#S256'?: string; accountId?: string; clientId?: string; scope?: string };
type Models = { AccessToken: { find(v: string): Promise<Token | undefined> }; ClientCredentials: { find(v: string): Promise<Token | undefined> } };

const seenJti = new Map<string, number>();

/** RFC 9449 §4.3: htu without query and fragment, normalised (RFC 3986 §6.2.2, §6.2.3: scheme and host case, default port). */
function normalHtu(u: string): string | undefined {
  try {
    const x = new URL(u);
    return `${x.protocol}//${x.host}${x.pathname}`;
  } catch {
    return undefined;
  }
}

/** RFC 9449 §4.3 and §7.1: the proof of a DPoP-bound token. */
async function checkProof(req: IncomingMessage, token: string, jkt: string, htu: string): Promise<void> {
  const proofs = req.headersDistinct.dpop ?? [];
  if (proofs.length !== 1) throw new Refusal('invalid_dpop_proof', proofs.length ? 'more than one DPoP header' : 'no DPoP proof');
  let header: { jwk?: JWK }, payload: Record<string, unknown>;
  try {
    // The signature by the embedded public jwk (jose refuses a private one), typ dpop+jwt, an allowed asymmetric alg.
    ({ protectedHeader: header, payload } = await jwtVerify(proofs[0], EmbeddedJWK, { typ: 'dpop+jwt', algorithms: DPOP_ALGS }));
  } catch (e) {
    throw new Refusal('invalid_dpop_proof', `the DPoP proof is invalid: ${(e as Error).message}`);
  }
  if (header.jwk && 'd' in header.jwk) throw new Refusal('invalid_dpop_proof', 'the DPoP proof jwk holds a private key');
  if (typeof payload.jti !== 'string' || !payload.jti) throw new Refusal('invalid_dpop_proof', 'the DPoP proof has no jti');
  if (payload.htm !== req.method) throw new Refusal('invalid_dpop_proof', 'htm is not the request method');
  if (typeof payload.htu !== 'string' || normalHtu(payload.htu) !== normalHtu(htu)) throw new Refusal('invalid_dpop_proof', 'htu is not the request URI');
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.iat !== 'number' || Math.abs(now - payload.iat) > IAT_WINDOW) throw new Refusal('invalid_dpop_proof', 'iat is outside the acceptance window');
  // RFC 9449 §7.1: ath is the base64url SHA-256 of the access token.
  if (payload.ath !== createHash('sha256').update(token).digest('base64url')) throw new Refusal('invalid_dpop_proof', 'ath does not match the access token');
  // RFC 9449 §7.1: the proof's key is the one the token is bound to (cnf.jkt).
  if ((await calculateJwkThumbprint(header.jwk!, 'sha256')) !== jkt) throw new Refusal('invalid_token', 'the DPoP proof key is not the one the token is bound to');
  // RFC 9449 §11.1: a proof is used once.
  for (const [k, exp] of seenJti) if (exp < now) seenJti.delete(k);
  const key = `${jkt}:${payload.jti}`;
  if (seenJti.has(key)) throw new Refusal('invalid_dpop_proof', 'the DPoP proof was replayed');
  seenJti.set(key, now + 2 * IAT_WINDOW);
}

/** RFC 8705 §3: the request's TLS client certificate is the one the token is bound to (cnf x5t#S256). */
function checkCertificate(req: IncomingMessage, x5t: string): void {
  const s = req.socket as TLSSocket;
  const raw = typeof s.getPeerCertificate === 'function' ? s.getPeerCertificate(false)?.raw : undefined;
  if (!raw?.length) throw new Refusal('invalid_token', 'the token is certificate-bound and no client certificate was presented');
  if (createHash('sha256').update(new X509Certificate(raw).raw).digest('base64url') !== x5t) throw new Refusal('invalid_token', 'the client certificate is not the one the token is bound to');
}

/** Serve /api/resource and /api/other; false for any other path. */
export async function api(models: Models, issuer: string, req: IncomingMessage, res: ServerResponse): Promise<boolean> {
  const path = (req.url ?? '').split('?')[0];
  if (!API_PATHS.includes(path)) return false;
  for await (const _ of req) { /* drain a POST body; the API takes none */ }
  const id = `${issuer}${path}`;
  let dpop = false;
  try {
    if (req.method !== 'GET' && req.method !== 'POST') throw new Refusal('invalid_request', 'GET or POST');
    const authz = req.headers.authorization;
    if (authz === undefined) throw new Refusal('', 'no access token');
    // RFC 9110 §11.1: the scheme is case-insensitive.
    const m = /^(Bearer|DPoP) ([A-Za-z0-9\-._~+/]+=*)$/i.exec(authz);
    if (!m) throw new Refusal('invalid_token', 'the Authorization header must carry a Bearer or DPoP token');
    dpop = m[1].toLowerCase() === 'dpop';
    const value = m[2];
    const token = (await models.AccessToken.find(value)) ?? (await models.ClientCredentials.find(value));
    if (!token) throw new Refusal('invalid_token', 'the access token is unknown or expired');
    if (token.jkt) dpop = true;
    // RFC 8707 §2 / RFC 9068 §4: a token for this resource only.
    if (token.aud !== id) throw new Refusal('invalid_token', 'the access token is not for this resource (aud)');
    if (token.jkt) {
      // RFC 9449 §7.2: a DPoP-bound token is never accepted as a Bearer token.
      if (m[1].toLowerCase() !== 'dpop') throw new Refusal('invalid_token', 'a DPoP-bound token must be sent with the DPoP scheme');
      await checkProof(req, value, token.jkt, id);
    } else if (dpop) {
      throw new Refusal('invalid_token', 'the access token is not DPoP-bound');
    }
    if (token['x5t#S256']) checkCertificate(req, token['x5t#S256']);
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' });
    res.end(JSON.stringify({ resource: id, method: req.method, sub: token.accountId, client_id: token.clientId, scope: token.scope, token_type: token.jkt ? 'DPoP' : 'Bearer' }));
  } catch (e) {
    const r = e instanceof Refusal ? e : new Refusal('invalid_token', 'the access token could not be validated');
    if (!(e instanceof Refusal)) console.error('api error', e);
    const algs = `algs="${DPOP_ALGS.join(' ')}"`;
    const desc = r.message.replace(/["\\]/g, '');
    // RFC 6750 §3.1: no error code when no token was sent; RFC 9449 §7.1: the DPoP scheme for DPoP.
    const challenge = r.error === '' ? `Bearer realm="${issuer}", DPoP ${algs}`
      : dpop || r.error === 'invalid_dpop_proof' ? `DPoP error="${r.error}", error_description="${desc}", ${algs}`
        : `Bearer realm="${issuer}", error="${r.error}", error_description="${desc}"`;
    const status = r.error === 'invalid_request' ? 400 : 401;
    res.writeHead(status, { 'www-authenticate': challenge, 'cache-control': 'no-store', ...(r.error ? { 'content-type': 'application/json; charset=utf-8' } : {}) });
    res.end(r.error ? JSON.stringify({ error: r.error, error_description: desc }) : undefined);
  }
  return true;
}
