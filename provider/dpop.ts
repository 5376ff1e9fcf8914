// DPoP proof validation (RFC 9449 §4.3) and server nonces (§8, §9), shared by the token, PAR and
// UserInfo endpoints and the protected resource (/api/...). All JOSE work goes through jose.
import { createHash } from 'node:crypto';
import type { FastifyRequest } from 'fastify';
import { base64url, calculateJwkThumbprint, compactVerify, importJWK, type JWK } from 'jose';
import { findClient, type ProviderContext } from './context.ts';
import { InvalidDpopProof, InvalidGrant, InvalidRequest, InvalidToken, OAuthError, UseDpopNonce } from './errors.ts';
import { tokenBinding, type TokenBinding } from './tokens.ts';
import { randomToken } from './http.ts';
import { certificateBinding } from './mtls.ts';
import type { ClientConfig } from './config.ts';

export interface DpopCheck {
  /** The HTTP method of the request (RFC 9449 §4.3 point 8). */
  htm: string;
  /** The endpoint's URL without query or fragment (§4.3 point 9). */
  htu: string;
  /** At a resource: the access token the proof must carry the hash of (ath, §4.3 point 11, §7.1). */
  accessToken?: string;
  /** At a resource the nonce rule is `dpop.nonce.resource` and refusals are 401 (§9); else the AS rule (§8). */
  resource?: boolean;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const KTY_FOR_ALG: Record<string, string> = { ES256: 'EC', ES384: 'EC', PS256: 'RSA', PS384: 'RSA', RS256: 'RSA', EdDSA: 'OKP' };

/** The raw DPoP header values of a request (a header sent twice arrives as two raw entries). */
function dpopHeaders(req: FastifyRequest): string[] {
  const raw = req.raw.rawHeaders;
  const out: string[] = [];
  // A JWS has no commas: a comma-separated value is several field values (RFC 9110 §5.3).
  for (let i = 0; i < raw.length; i += 2) if (raw[i].toLowerCase() === 'dpop') out.push(...raw[i + 1].split(',').map((v) => v.trim()));
  return out;
}

/**
 * RFC 9449 §4.3 point 9 with §4.3's normalisation note (RFC 3986 §6.2.2, §6.2.3): scheme and host
 * are case-insensitive, the default port is dropped, and query and fragment are ignored.
 */
export function normaliseHtu(value: string): string | undefined {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') return undefined;
  // URL already lower-cases scheme and host and drops the scheme's default port.
  return `${u.protocol}//${u.host}${u.pathname}`;
}

/** RFC 9449 §4.2: ath is base64url(SHA-256(ASCII(access token))). */
export function accessTokenHash(accessToken: string): string {
  return base64url.encode(createHash('sha256').update(accessToken, 'ascii').digest());
}

/** A fresh server nonce (§8, §9): random, provider-issued, valid for dpop.nonce.ttl seconds. */
export async function issueDpopNonce(ctx: ProviderContext): Promise<string> {
  const nonce = randomToken(24);
  await ctx.store.set('dpop_nonce', nonce, true, ctx.config.dpop.nonce.ttl);
  return nonce;
}

/**
 * Validate the request's DPoP proof. Returns undefined when there is no DPoP header, else the
 * proof key's JWK SHA-256 thumbprint (RFC 7638). Throws InvalidDpopProof or UseDpopNonce.
 */
export async function verifyDpopProof(ctx: ProviderContext, req: FastifyRequest, opts: DpopCheck): Promise<{ jkt: string } | undefined> {
  const { faults } = ctx;
  const status = opts.resource ? 401 : 400;
  // error_description is %x20-21 / %x23-5B / %x5D-7E (RFC 6749 §5.2): no quotes or backslashes.
  const clean = (why: string) => why.replace(/["\\]/g, '');
  const fail = (why: string): never => { throw new InvalidDpopProof(clean(why), status); };
  // Structural failures (no usable JWS: malformed, no alg, no jwk) are marked so a resource can
  // tell "no usable proof" from "a proof that is wrong" (fault dpop-bound-token-without-proof).
  const unusable = (why: string): never => { throw Object.assign(new InvalidDpopProof(clean(why), status), { unusable: true }); };
  const tolerate = faults.on('dpop-tolerate-missing-claims');
  const headers = dpopHeaders(req);
  if (headers.length === 0) return undefined;
  // §4.3 point 1: exactly one DPoP HTTP request header field (fault: the first of several is used).
  if (headers.length > 1 && !faults.on('dpop-accept-multiple-headers')) fail('more than one DPoP header');
  const proof = headers[0].trim();
  // §4.3 point 2: the value is a single well-formed JWT (compact JWS).
  const parts = proof.split('.');
  if (parts.length !== 3 || parts.some((p) => !/^[A-Za-z0-9_-]*$/.test(p)) || !parts[0] || !parts[1]) unusable('the DPoP proof is not a compact JWS');
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
  } catch {
    return unusable('the DPoP proof header or payload is not JSON');
  }
  if (!header || typeof header !== 'object' || !claims || typeof claims !== 'object' || Array.isArray(claims)) unusable('the DPoP proof header and payload must be JSON objects');
  // §4.3 point 3: all required claims are present (§4.2: typ, alg, jwk; jti, htm, htu, iat).
  const required: [Record<string, unknown>, string][] = [[header, 'typ'], [header, 'alg'], [header, 'jwk'], [claims, 'jti'], [claims, 'htm'], [claims, 'htu'], [claims, 'iat']];
  for (const [where, name] of required) {
    if (where[name] !== undefined) continue;
    if (name === 'alg' || name === 'jwk') unusable(`the DPoP proof has no ${name}`);
    if (!tolerate) fail(`the DPoP proof has no ${name}`);
  }
  // §4.3 point 4: typ is dpop+jwt.
  if (header.typ !== undefined && header.typ !== 'dpop+jwt' && !faults.on('dpop-ignore-typ')) fail(`the DPoP proof typ must be dpop+jwt, not ${JSON.stringify(header.typ ?? null)}`);
  // §4.3 point 5: alg is an asymmetric algorithm the server accepts; never none or a MAC.
  const alg = typeof header.alg === 'string' ? header.alg : '';
  const algOk = ctx.config.dpop.algs.includes(alg);
  if (!algOk && !faults.on('dpop-accept-any-alg')) fail(`the DPoP proof alg ${JSON.stringify(alg)} is not one of ${ctx.config.dpop.algs.join(', ')}`);
  // §4.3 point 7: the jwk is a public key (no private members).
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (jwk !== undefined && (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk))) fail('the DPoP proof jwk must be a JSON object');
  if (jwk && PRIVATE_MEMBERS.some((m) => m in jwk) && !faults.on('dpop-accept-private-jwk')) fail('the DPoP proof jwk contains private key members');
  // §4.3 point 6: the signature verifies with the public key in jwk.
  let jkt = '';
  if (jwk) {
    const publicJwk = Object.fromEntries(Object.entries(jwk).filter(([k]) => !PRIVATE_MEMBERS.includes(k))) as JWK;
    const seen = proofKeys.get(JSON.stringify(publicJwk));
    try {
      jkt = seen?.jkt ?? await calculateJwkThumbprint(publicJwk, 'sha256');
    } catch {
      fail('the DPoP proof jwk is not a valid public key');
    }
    if (!faults.on('dpop-skip-signature')) {
      if (!algOk && faults.on('dpop-accept-any-alg')) {
        // fault: an unlisted alg (none, HS256, RS256) is not verified at all.
      } else {
        try {
          if (KTY_FOR_ALG[alg] && KTY_FOR_ALG[alg] !== publicJwk.kty) throw new Error('kty does not match alg');
          const key = await proofKey(publicJwk, alg, jkt, seen);
          await compactVerify(proof, key, { algorithms: [alg] });
        } catch {
          fail('the DPoP proof signature does not verify with its jwk');
        }
      }
    }
  }
  // §4.2: other claims may be present and are ignored (fault: refused).
  const known = new Set(['jti', 'htm', 'htu', 'iat', 'ath', 'nonce']);
  if (faults.on('dpop-refuse-extra-claims') && Object.keys(claims).some((k) => !known.has(k))) fail('the DPoP proof has unexpected claims');
  // §4.3 point 8: htm matches the request method.
  if (claims.htm !== undefined && claims.htm !== opts.htm && !faults.on('dpop-accept-wrong-htm')) fail(`the DPoP proof htm ${JSON.stringify(claims.htm)} is not ${opts.htm}`);
  // §4.3 point 9: htu matches the request URI, ignoring query and fragment, after normalisation.
  if (claims.htu !== undefined && !faults.on('dpop-accept-wrong-htu')) {
    const got = typeof claims.htu === 'string' ? (faults.on('dpop-htu-exact-match') ? claims.htu : normaliseHtu(claims.htu)) : undefined;
    if (got === undefined || got !== normaliseHtu(opts.htu)) fail(`the DPoP proof htu ${JSON.stringify(claims.htu)} does not match ${opts.htu}`);
  }
  // §4.3 point 11: at a resource, ath is the hash of the access token presented with it.
  if (opts.accessToken !== undefined && !faults.on('dpop-skip-ath')) {
    if (claims.ath === undefined) fail('the DPoP proof has no ath (required with an access token)');
    if (claims.ath !== accessTokenHash(opts.accessToken)) fail('the DPoP proof ath does not match the access token');
  }
  // §4.3 point 12 (§11.1): iat is within an acceptable window (dpop.iat_window seconds either side).
  const now = Math.floor(Date.now() / 1000);
  const window = faults.on('dpop-iat-window-too-strict') ? Math.min(5, ctx.config.dpop.iat_window) : ctx.config.dpop.iat_window;
  if (claims.iat !== undefined && !faults.on('dpop-ignore-iat')) {
    if (typeof claims.iat !== 'number' || !Number.isFinite(claims.iat)) fail('the DPoP proof iat is not a number');
    const iat = claims.iat as number;
    if (iat < now - window || iat > now + window) fail(`the DPoP proof iat is outside the accepted window of ${window} s`);
  }
  // §8, §9: when the server requires a nonce, the proof carries one it issued and that is still valid.
  const needNonce = opts.resource ? ctx.config.dpop.nonce.resource : ctx.config.dpop.nonce.token;
  if (needNonce && !faults.on(opts.resource ? 'resource-nonce-not-enforced' : 'dpop-nonce-not-enforced')) {
    const nonce = claims.nonce;
    if (typeof nonce !== 'string' || !(await ctx.store.get('dpop_nonce', nonce))) {
      throw new UseDpopNonce(await issueDpopNonce(ctx), nonce === undefined ? 'a DPoP nonce is required' : 'the DPoP nonce is invalid or expired', status);
    }
  }
  // §11.1: jti is unique for the window in which the proof is acceptable (per target URI).
  if (typeof claims.jti !== 'string' || claims.jti.length === 0) {
    if (claims.jti !== undefined || !tolerate) fail('the DPoP proof jti must be a non-empty string');
  } else if (!faults.on('dpop-ignore-replay')) {
    const key = createHash('sha256').update(`${normaliseHtu(opts.htu)} ${claims.jti}`).digest('base64url');
    // One atomic write-if-absent: of concurrent proofs with one jti, exactly one gets in. Kept
    // for the iat window both ways (a proof outside it is refused anyway).
    if (!(await ctx.store.add('dpop_jti', key, true, window * 2 + 5))) fail('the DPoP proof jti has been used before');
  }
  return { jkt };
}

// Proof keys seen recently: a client signs many proofs with one key, so its thumbprint and its
// imported key (per alg) are kept, in insertion order, for the last PROOF_KEYS keys (bounded).
// Every proof is still verified; only the import of the same JWK is not repeated.
const PROOF_KEYS = 1000;
type ProofKey = { jkt: string; keys: Map<string, Awaited<ReturnType<typeof importJWK>>> };
const proofKeys = new Map<string, ProofKey>();
async function proofKey(publicJwk: JWK, alg: string, jkt: string, seen: ProofKey | undefined): Promise<Awaited<ReturnType<typeof importJWK>>> {
  const cached = seen?.keys.get(alg);
  if (cached) return cached;
  const key = await importJWK(publicJwk, alg);
  const id = JSON.stringify(publicJwk);
  const entry = seen ?? { jkt, keys: new Map() };
  entry.keys.set(alg, key);
  if (!seen) {
    if (proofKeys.size >= PROOF_KEYS) proofKeys.delete(proofKeys.keys().next().value as string);
    proofKeys.set(id, entry);
  }
  return key;
}

/** The DPoP algs the provider accepts, for metadata and the WWW-Authenticate algs parameter (§5.1, §7.1). */
export function dpopAlgs(ctx: ProviderContext): string[] {
  return [...ctx.config.dpop.algs];
}

/** The protected resources this provider serves (RFC 8707 resource indicators, RFC 9728 identifiers). */
export const RESOURCE_PATHS = ['/api/resource', '/api/other'] as const;

/**
 * The token endpoint's binding for the tokens a request gets: the DPoP proof key (RFC 9449 §5:
 * htm POST, htu the token endpoint) and the RFC 8707 `resource` (one of our /api resources).
 * A client registered with dpop_bound_access_tokens must send a proof (§5.2).
 */
export async function tokenRequestBinding(
  ctx: ProviderContext,
  req: FastifyRequest,
  client: { client_id: string; dpop_bound_access_tokens?: boolean },
  params: Record<string, string | undefined>,
): Promise<TokenBinding> {
  const proof = await verifyDpopProof(ctx, req, { htm: 'POST', htu: `${ctx.issuer}/token` });
  if (!proof && client.dpop_bound_access_tokens && !ctx.faults.on('dpop-not-required-for-client')) {
    throw new InvalidDpopProof('this client must send a DPoP proof with every token request (dpop_bound_access_tokens)');
  }
  // RFC 8705 §3: and the TLS client certificate, for a client with certificate-bound tokens.
  const binding: TokenBinding = { jkt: proof?.jkt, x5t: certificateBinding(ctx, req, client as ClientConfig) };
  if (params.resource !== undefined) {
    // RFC 8707 §2: an absolute URI without fragment, naming a resource we know (else invalid_target).
    // Our own /api resources, plus the APIs the config names (resource.audiences) that trust this issuer.
    const known = [...RESOURCE_PATHS.map((p) => `${ctx.issuer}${p}`), ...ctx.config.resource.audiences];
    if (!known.includes(params.resource)) throw new OAuthError('invalid_target', `resource ${params.resource} is not a resource this server issues tokens for`);
    binding.audience = params.resource;
  }
  return binding;
}

/** RFC 9449 §5: a DPoP-bound access token is issued with token_type DPoP. */
export function markDpopTokenType(ctx: ProviderContext, binding: TokenBinding, body: Record<string, unknown>): void {
  if (binding.jkt && typeof body.access_token === 'string' && !ctx.faults.on('dpop-no-binding')) body.token_type = 'DPoP';
}

/** RFC 9449 §10: dpop_jkt at the authorization endpoint is a JWK SHA-256 thumbprint (43 base64url characters). */
export function checkDpopJkt(value: string | undefined): { dpopJkt?: string } {
  if (value === undefined) return {};
  if (!/^[A-Za-z0-9_-]{43}$/.test(value)) throw new InvalidRequest('dpop_jkt must be a base64url JWK SHA-256 thumbprint');
  return { dpopJkt: value };
}

/** RFC 9449 §10: a code bound to dpop_jkt is only redeemed with a proof of that key. */
export function checkCodeDpopKey(ctx: ProviderContext, dpopJkt: string | undefined): void {
  if (dpopJkt === undefined) return;
  const { jkt } = tokenBinding();
  if (jkt === undefined) throw new InvalidDpopProof('the authorization code is bound to a DPoP key (dpop_jkt): a DPoP proof is required');
  if (jkt !== dpopJkt) throw new InvalidGrant('the DPoP proof key does not match the dpop_jkt the code was requested with');
}

/** RFC 9449 §5: refresh tokens of public clients are bound to the DPoP key of the token request (fault: never). */
export async function refreshTokenKey(ctx: ProviderContext, clientId: string): Promise<{ jkt?: string }> {
  const { jkt } = tokenBinding();
  const client = jkt ? await findClient(ctx, clientId) : undefined;
  if (!jkt || client?.token_endpoint_auth_method !== 'none' || ctx.faults.on('dpop-refresh-not-bound')) return {};
  return { jkt };
}

export function checkRefreshTokenKey(ctx: ProviderContext, bound: string | undefined): void {
  if (bound === undefined) return;
  const { jkt } = tokenBinding();
  if (jkt === undefined) throw new InvalidDpopProof('this refresh token is DPoP-bound: a DPoP proof of its key is required');
  if (jkt !== bound) throw new InvalidGrant('the DPoP proof key does not match the key the refresh token is bound to');
}

/** The scheme and token of an Authorization header (RFC 6750 §2.1 Bearer, RFC 9449 §7.1 DPoP). */
export function authorizationToken(req: FastifyRequest): { scheme: 'Bearer' | 'DPoP'; token: string } | undefined {
  const header = req.headers.authorization;
  if (header === undefined) return undefined;
  const m = /^(Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
  if (!m) return undefined;
  return { scheme: m[1].toLowerCase() === 'dpop' ? 'DPoP' : 'Bearer', token: m[2] };
}

/**
 * RFC 9449 §7.1, §7.2: how an access token bound to `jkt` (or not bound) is presented. A bound
 * token needs the DPoP scheme and a valid proof of its key with ath; an unbound one the Bearer scheme.
 */
export async function checkDpopPresentation(
  ctx: ProviderContext,
  req: FastifyRequest,
  p: { scheme: 'Bearer' | 'DPoP'; token: string; jkt?: string; htu: string },
): Promise<void> {
  const { faults } = ctx;
  if (!p.jkt) {
    if (p.scheme === 'DPoP') throw new InvalidToken('the access token is not DPoP-bound: use the Bearer scheme');
    return;
  }
  // §7.2: a DPoP-bound token is never accepted as a bearer token (fault: it is, without a proof).
  if (p.scheme === 'Bearer') {
    if (faults.on('dpop-accept-bearer-for-bound-token')) return;
    throw new InvalidToken('the access token is DPoP-bound: it must be sent with the DPoP scheme and a proof');
  }
  let proof: { jkt: string } | undefined;
  try {
    proof = await verifyDpopProof(ctx, req, { htm: req.method, htu: p.htu, accessToken: p.token, resource: true });
  } catch (e) {
    // fault dpop-bound-token-without-proof: an unusable proof counts as none, and none is accepted.
    if ((e as { unusable?: boolean }).unusable && faults.on('dpop-bound-token-without-proof')) return;
    throw e;
  }
  if (!proof) {
    if (faults.on('dpop-bound-token-without-proof')) return;
    throw new InvalidDpopProof('a DPoP proof is required with a DPoP-bound access token', 401);
  }
  // §7.1: the proof key is the key the token is bound to (cnf.jkt).
  if (proof.jkt !== p.jkt && !faults.on('dpop-ignore-key-binding')) throw new InvalidDpopProof('the DPoP proof key is not the key the access token is bound to', 401);
}
