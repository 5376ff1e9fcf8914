// Client authentication at the token endpoint (RFC 6749 §2.3, OIDC Core §9, RFC 7523 §3):
// client_secret_basic, client_secret_post, private_key_jwt, and none for public clients.
import type { FastifyRequest } from 'fastify';
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWK, type JWTPayload } from 'jose';
import type { ClientAuthMethod, ClientConfig } from './config.ts';
import { endpoint, findClient, type ProviderContext } from './context.ts';
import { InvalidClient, InvalidRequest } from './errors.ts';
import { safeEqual, type Params } from './http.ts';
import { FAPI_ALGS, isFapi } from './fapi.ts';
import { FAPI_CIBA_ALGS, isFapiCiba } from './grants/ciba.ts';
import { authenticateMtlsClient, isMtlsMethod } from './mtls.ts';

/** Where the client authenticates: the token endpoint or the PAR endpoint (RFC 9126 §2). */
export type AuthEndpoint = 'token' | 'par';

export const AUTH_METHODS: readonly ClientAuthMethod[] = ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'];
export const ASSERTION_ALGS = ['RS256', 'PS256', 'ES256', 'EdDSA'];
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** invalid_client; `basic` marks that the client tried HTTP Basic (→ WWW-Authenticate, RFC 6749 §5.2). */
export class InvalidClientAuth extends InvalidClient {
  readonly basic: boolean;
  constructor(description: string, basic: boolean) {
    super(description);
    this.basic = basic;
  }
}

interface Presented { method: ClientAuthMethod; clientId: string; secret?: string; assertion?: string }

export async function authenticateClient(ctx: ProviderContext, req: FastifyRequest, params: Params, at: AuthEndpoint = 'token'): Promise<ClientConfig> {
  // RFC 6749 §4.1.3: a client that does not authenticate sends client_id (fault
  // token-client-id-optional: a bare code redemption is served for the code's client).
  if (at === 'token' && ctx.faults.on('token-client-id-optional') && params.grant_type === 'authorization_code' && params.client_id === undefined
    && req.headers.authorization === undefined && params.client_assertion === undefined && typeof params.code === 'string') {
    const code = await ctx.store.get<{ clientId: string }>('code', params.code);
    if (code) params.client_id = code.clientId;
  }
  const presented = whichMethod(ctx, req, params);
  const basic = presented.method === 'client_secret_basic';
  const client = await findClient(ctx, presented.clientId);
  if (!client) throw new InvalidClientAuth('client authentication failed: unknown client', basic);
  if (unauthenticatedRefresh(ctx, presented, params)) return client;
  // FAPI 2.0 SP §5.3.2.1: a FAPI client always authenticates (fault: a bare client_id at /token).
  if (presented.method === 'none' && at === 'token' && isFapi(ctx, client) && ctx.faults.on('fapi-token-without-client-auth')) return client;
  // RFC 9126 §2.1: PAR authenticates the client as the token endpoint does (fault: a bare client_id is served).
  if (presented.method === 'none' && at === 'par' && ctx.faults.on('par-without-client-auth')) return client;
  // RFC 8705 §2: a mutual-TLS client sends only client_id; its credential is the TLS certificate.
  if (presented.method === 'none' && isMtlsMethod(client.token_endpoint_auth_method)) presented.method = client.token_endpoint_auth_method;
  requireRegisteredMethod(client, presented, basic);
  switch (presented.method) {
    case 'client_secret_basic':
    case 'client_secret_post':
      if (presented.method === 'client_secret_post' && ctx.faults.on('refuse-client-secret-post')) throw new InvalidClientAuth('client_secret_post is not accepted', false);
      // RFC 6749 §2.3.1: the AS MUST support HTTP Basic for clients issued a password (fault: refused).
      if (presented.method === 'client_secret_basic' && ctx.faults.on('refuse-client-secret-basic')) throw new InvalidClientAuth('client_secret_basic is not accepted', true);
      if (!ctx.faults.on('accept-wrong-client-secret')) checkSecret(client, presented.secret ?? '', basic);
      break;
    case 'private_key_jwt':
      await checkAssertion(ctx, client, presented.assertion as string, at);
      break;
    case 'tls_client_auth':
    case 'self_signed_tls_client_auth':
      authenticateMtlsClient(ctx, req, client, presented.method);
      break;
    case 'none':
      break;
  }
  return client;
}

// RFC 6749 §2.3: a client MUST NOT use more than one authentication method per request.
function whichMethod(ctx: ProviderContext, req: FastifyRequest, params: Params): Presented {
  const header = req.headers.authorization;
  const used: Presented[] = [];
  if (header !== undefined) used.push(parseBasic(header));
  if (params.client_secret !== undefined) used.push({ method: 'client_secret_post', clientId: params.client_id ?? '', secret: params.client_secret });
  if (params.client_assertion !== undefined || params.client_assertion_type !== undefined) used.push(parseAssertion(ctx, params));
  if (used.length > 1) throw new InvalidRequest('only one client authentication method may be used');
  const p = used[0] ?? { method: 'none' as const, clientId: params.client_id ?? '' };
  if (!p.clientId) throw new InvalidClientAuth('client authentication failed: no client identified', p.method === 'client_secret_basic');
  // RFC 6749 §2.3.1 / RFC 7521 §4.2: a client_id body parameter must name the same client.
  // (fault ignore-assertion-client-id-mismatch: the assertion's client wins silently).
  if (params.client_id !== undefined && params.client_id !== p.clientId && !(p.method === 'private_key_jwt' && ctx.faults.on('ignore-assertion-client-id-mismatch'))) {
    throw new InvalidRequest('client_id does not match the authenticated client');
  }
  return p;
}

// RFC 6749 §2.3.1: client_id and secret are form-urlencoded, then joined by ":" and base64 encoded.
function parseBasic(header: string): Presented {
  const m = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(header.trim());
  if (!m) throw new InvalidClientAuth('client authentication failed: malformed Authorization header', true);
  const decoded = Buffer.from(m[1], 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i === -1) throw new InvalidClientAuth('client authentication failed: malformed Basic credentials', true);
  try {
    return { method: 'client_secret_basic', clientId: formDecode(decoded.slice(0, i)), secret: formDecode(decoded.slice(i + 1)) };
  } catch {
    throw new InvalidClientAuth('client authentication failed: malformed Basic credentials', true);
  }
}

function formDecode(s: string): string {
  return decodeURIComponent(s.replace(/\+/g, ' '));
}

// RFC 7523 §3 / RFC 7521 §4.2: the jwt-bearer assertion type with a JWT whose sub is the client.
function parseAssertion(ctx: ProviderContext, params: Params): Presented {
  if (params.client_assertion_type !== JWT_BEARER) throw new InvalidClientAuth(`client_assertion_type must be ${JWT_BEARER}`, false);
  if (!params.client_assertion) throw new InvalidClientAuth('client_assertion is required', false);
  let sub: unknown;
  try {
    const claims = decodeJwt(params.client_assertion);
    // RFC 7523 §3: sub is required (fault accept-assertion-without-sub: the client is taken from iss).
    sub = claims.sub === undefined && ctx.faults.on('accept-assertion-without-sub') ? claims.iss : claims.sub;
  } catch {
    throw new InvalidClientAuth('client_assertion is not a JWT', false);
  }
  if (typeof sub !== 'string' || sub === '') throw new InvalidClientAuth('client_assertion has no sub', false);
  return { method: 'private_key_jwt', clientId: sub, assertion: params.client_assertion };
}

// RFC 6749 §6: a refresh request authenticates a confidential client like any token request
// (fault refresh-without-client-auth: a bare client_id is enough for grant_type=refresh_token).
function unauthenticatedRefresh(ctx: ProviderContext, p: Presented, params: Params): boolean {
  return p.method === 'none' && params.grant_type === 'refresh_token' && ctx.faults.on('refresh-without-client-auth');
}

// OIDC Core §9 / RFC 7591 §2: a client uses the method it registered, and no other.
function requireRegisteredMethod(client: ClientConfig, p: Presented, basic: boolean): void {
  if (client.token_endpoint_auth_method !== p.method) {
    throw new InvalidClientAuth(`client authentication failed: client is registered for ${client.token_endpoint_auth_method}, not ${p.method}`, basic || client.token_endpoint_auth_method === 'client_secret_basic');
  }
}

// RFC 6749 §2.3.1: the secret must match (constant-time comparison).
function checkSecret(client: ClientConfig, secret: string, basic: boolean): void {
  if (!client.client_secret || !safeEqual(secret, client.client_secret)) throw new InvalidClientAuth('client authentication failed: wrong client secret', basic);
}

// RFC 7523 §3: iss = sub = client_id, aud identifies this server, exp required and not passed,
// nbf not in the future, signature by a key in the client's JWKS; jti is single-use (replay).
// FAPI 2.0 SP §5.3.2.1 / §5.4.1 for FAPI clients: aud is the issuer as a single string (not an
// array, not an endpoint URL), PS256 / ES256 / EdDSA only, nbf/iat up to 10 s ahead accepted.
async function checkAssertion(ctx: ProviderContext, client: ClientConfig, assertion: string, at: AuthEndpoint): Promise<void> {
  const fapi = isFapi(ctx, client);
  // RFC 6749 §5.2: error_description excludes '"' and '\\' (jose's messages quote names).
  const fail = (why: string): never => { throw new InvalidClientAuth(`client_assertion is invalid: ${why.replace(/["\\]/g, "'")}`, false); };
  // FAPI-CIBA ID1 §5.2.2 → FAPI 1.0 Advanced §8.6: a FAPI-CIBA client's assertions are PS256 or ES256.
  const fapiCiba = isFapiCiba(ctx, client) && !ctx.faults.on('fapi-ciba-accept-rs256-assertion');
  const algorithms = fapiCiba ? FAPI_CIBA_ALGS : fapi && !ctx.faults.on('fapi-accept-rs256-assertion') ? FAPI_ALGS : ASSERTION_ALGS;
  let payload: JWTPayload = {};
  try {
    const { payload: raw } = await compactVerify(assertion, clientKeySet(client), { algorithms });
    payload = JSON.parse(new TextDecoder().decode(raw)) as JWTPayload;
  } catch (e) {
    // RFC 7523 §3 item 9: signed, and the signature checked (faults accept-unsigned-assertion: alg
    // none is read unverified; skip-assertion-signature-check: a signature that fails is ignored).
    const alg = headerAlg(assertion);
    const unsigned = alg === 'none' && ctx.faults.on('accept-unsigned-assertion');
    const unchecked = alg !== 'none' && (e as { code?: string }).code === 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' && ctx.faults.on('skip-assertion-signature-check');
    if (!unsigned && !unchecked) fail((e as Error).message);
    payload = decodeJwt(assertion);
  }
  // RFC 7523 §3 item 1: iss is the client (fault accept-assertion-without-iss: a missing iss passes).
  if (payload.iss !== client.client_id && !(payload.iss === undefined && ctx.faults.on('accept-assertion-without-iss'))) fail('iss must be the client_id');
  if (payload.sub !== client.client_id && !(payload.sub === undefined && ctx.faults.on('accept-assertion-without-sub'))) fail('sub must be the client_id');
  checkAudience(ctx, payload.aud, fapi, at, fail);
  checkTimes(ctx, payload, fapi, fail);
  if (typeof payload.jti !== 'string' || payload.jti === '') fail('jti is required');
  // RFC 7523 §3 item 7: the jti is remembered while the assertion could be accepted: until its exp
  // + the 5 s skew (+1 s of rounding), and checkTimes keeps exp within client_assertion.max_lifetime
  // (+ skew) of now. One atomic write-if-absent: concurrent replays (also across instances) get in once.
  const key = `${client.client_id}:${payload.jti}`;
  const ttl = Math.min((payload.exp as number) - Math.floor(Date.now() / 1000) + 6, ctx.config.client_assertion.max_lifetime + 11);
  if (!(await ctx.store.add('client_assertion_jti', key, true, ttl))) throw new InvalidClientAuth('client_assertion jti has already been used', false);
}

function headerAlg(jwt: string): unknown {
  try {
    return decodeProtectedHeader(jwt).alg;
  } catch {
    return undefined;
  }
}

// A client's JWK Set, imported once (jose's local JWKS keeps each imported key) and rebuilt when
// the client's jwks change (RFC 7592 update); keyed by the jwks object, so it goes with the client.
const keySets = new WeakMap<object, { json: string; getKey: ReturnType<typeof createLocalJWKSet> }>();
function clientKeySet(client: ClientConfig): ReturnType<typeof createLocalJWKSet> {
  const jwks = client.jwks ?? { keys: [] };
  const json = JSON.stringify(jwks.keys);
  let cached = keySets.get(jwks);
  if (!cached || cached.json !== json) {
    cached = { json, getKey: createLocalJWKSet({ keys: JSON.parse(json) as JWK[] }) };
    keySets.set(jwks, cached);
  }
  return cached.getKey;
}

function checkAudience(ctx: ProviderContext, aud: unknown, fapi: boolean, at: AuthEndpoint, fail: (why: string) => never): void {
  const token = endpoint(ctx, '/token');
  const par = endpoint(ctx, '/par');
  const list = Array.isArray(aud) ? aud : [aud];
  if (list.length === 0 || list.some((a) => typeof a !== 'string')) fail('aud is required');
  if (fapi) {
    // The 2025 FAPI 2.0 audience clarification: only the issuer identifier, as a string.
    if (Array.isArray(aud) && !ctx.faults.on('fapi-accept-array-aud')) fail('aud must be the issuer identifier as a single string, not an array');
    if (list.includes(ctx.issuer)) return;
    if (list.includes(token)) { if (ctx.faults.on('fapi-accept-token-endpoint-aud')) return; fail('aud must be the issuer identifier, not the token endpoint URL'); }
    if (list.includes(par)) { if (ctx.faults.on('fapi-accept-par-endpoint-aud')) return; fail('aud must be the issuer identifier, not the PAR endpoint URL'); }
  } else {
    // RFC 7523 §3 (issuer or token endpoint); RFC 9126 §2: at the PAR endpoint also its own URL.
    const accepted = [ctx.issuer, token, ...(at === 'par' ? [par] : [])];
    if (list.some((a) => accepted.includes(a as string))) return;
  }
  if (!ctx.faults.on('accept-any-assertion-aud')) fail(`aud ${list.join(' ')} does not identify this authorization server`);
}

function checkTimes(ctx: ProviderContext, payload: JWTPayload, fapi: boolean, fail: (why: string) => never): void {
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.exp !== 'number') fail('exp is required');
  // RFC 7523 §3: an expired JWT is rejected (5 s of clock skew).
  if ((payload.exp as number) + 5 <= now && !ctx.faults.on('fapi-accept-expired-assertion')) fail('the assertion has expired (exp is in the past)');
  // RFC 7523 §3 item 4: the server MAY reject an exp unreasonably far in the future; here, more
  // than client_assertion.max_lifetime (+ 5 s skew) ahead. It bounds how long a jti is remembered.
  const max = ctx.config.client_assertion.max_lifetime;
  if ((payload.exp as number) > now + max + 5) fail(`exp is more than ${max} s in the future (the longest assertion lifetime accepted)`);
  // FAPI 2.0 SP §5.3.2.1: nbf / iat up to 10 s ahead are accepted, more than 60 s ahead refused
  // (this provider refuses anything beyond the 10 s skew; other profiles: 5 s).
  const skew = fapi && !ctx.faults.on('fapi-refuse-nbf-skew') ? 10 : 5;
  for (const claim of ['nbf', 'iat'] as const) {
    const v = payload[claim];
    if (v === undefined) continue;
    if (typeof v !== 'number') fail(`${claim} must be a number`);
    if ((v as number) > now + skew && !ctx.faults.on('fapi-accept-future-nbf')) fail(`${claim} is ${(v as number) - now} s in the future`);
  }
}
