// Request objects by value (JAR, RFC 9101; OIDC Core §6.1) at /authorize and inside a pushed
// request (RFC 9126 §3). By reference (a request_uri naming a client-hosted URL) stays
// unsupported: the provider fetches no external URL (request_uri_not_supported).
// A fapi2 client gets the FAPI 2.0 Message Signing §5.3.2 rules on top: aud = the issuer, exp and
// nbf required, exp - nbf <= 60 minutes, nbf at most 60 minutes old, PS256 / ES256 / EdDSA only.
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import type { ClientConfig } from './config.ts';
import type { ProviderContext } from './context.ts';
import { InvalidRequest, OAuthError } from './errors.ts';
import { FAPI_ALGS, isFapi } from './fapi.ts';
import type { Params } from './http.ts';

/** RFC 9101 §5: the algorithms a request object may be signed with (advertised in discovery). */
export const REQUEST_OBJECT_ALGS = ['PS256', 'ES256', 'EdDSA', 'RS256'];

/** RFC 9101 §6.2: invalid_request_object: the request parameter holds an invalid Request Object. */
export class InvalidRequestObject extends OAuthError {
  constructor(description: string) { super('invalid_request_object', description); }
}

/** Seconds of clock skew allowed on exp and nbf. */
const SKEW = 10;
/** FAPI 2.0 Message Signing §5.3.2: exp at most 60 minutes after nbf, nbf at most 60 minutes in the past. */
const FAPI_MAX = 3600;

/** Claims of the JWT envelope, not authorization request parameters. */
const ENVELOPE = ['iss', 'aud', 'exp', 'iat', 'nbf', 'jti', 'sub'];

/** The request object algorithms a client may use (FAPI 2.0 SP §5.4.1: no RS256 for a fapi2 client). */
export function requestObjectAlgs(ctx: ProviderContext, client: ClientConfig): string[] {
  // (fault jar-accept-rs256: RS256 too for a fapi2 client)
  return isFapi(ctx, client) && !ctx.faults.on('jar-accept-rs256') ? FAPI_ALGS : REQUEST_OBJECT_ALGS;
}

/**
 * The authorization request a client sent: with `request`, the parameters of the verified request
 * object (RFC 9101 §6.3: only those are used; client_id outside must match), else `params` as sent.
 * A client registered with require_signed_request_object (RFC 9101 §10.5) must send one.
 */
export async function resolveRequestObject(ctx: ProviderContext, client: ClientConfig, params: Params): Promise<Params> {
  const f = ctx.faults;
  if (params.request === undefined) {
    // RFC 9101 §10.5: such a client's requests without a request object are refused (fault: served).
    if (client.require_signed_request_object && !f.on('jar-accept-unsigned-when-required')) throw new InvalidRequest('this client must send its authorization request as a signed request object');
    return params;
  }
  // OIDC Core §6: request and request_uri are not used together.
  if (params.request_uri !== undefined) throw new InvalidRequest('request and request_uri must not both be sent');
  const claims = await verifyRequestObject(ctx, client, params.request);
  // RFC 9101 §5 / §6.3: a client_id inside must be the one outside (fault jar-ignore-client-id-mismatch: not compared).
  if (claims.client_id !== undefined && claims.client_id !== params.client_id && !f.on('jar-ignore-client-id-mismatch')) throw new InvalidRequestObject('client_id in the request object does not match the client_id parameter');
  const inner: Params = {};
  for (const [k, v] of Object.entries(claims)) {
    if (ENVELOPE.includes(k) || v === null || v === undefined) continue;
    // OIDC Core §6.1: claims (and authorization_details) are JSON objects there; max_age a number.
    if (typeof v === 'string') inner[k] = v;
    else if (typeof v === 'number' && Number.isInteger(v)) inner[k] = String(v);
    else if (typeof v === 'object') inner[k] = JSON.stringify(v);
    else throw new InvalidRequestObject(`request object claim ${k} has an unusable value`);
  }
  // RFC 9101 §6.3: the parameters outside are ignored (fault jar-outer-params-win: they override).
  const merged = f.on('jar-outer-params-win') ? { ...inner, ...withoutRequest(params) } : inner;
  return { ...merged, client_id: params.client_id };
}

function withoutRequest(params: Params): Params {
  const { request: _r, ...rest } = params;
  return rest;
}

// RFC 9101 §6.2 / OIDC Core §6.3.2: the signature is verified with the client's registered keys
// (alg none only for a client registered with request_object_signing_alg none, OIDC Core §6.1 /
// OIDC Registration §2); then aud, iss and the validity window.
async function verifyRequestObject(ctx: ProviderContext, client: ClientConfig, jwt: string): Promise<Record<string, unknown>> {
  const f = ctx.faults;
  let claims: Record<string, unknown>;
  let alg: unknown;
  try {
    claims = decodeJwt(jwt) as Record<string, unknown>;
    alg = decodeProtectedHeader(jwt).alg;
  } catch {
    throw new InvalidRequestObject('request is not a JWT');
  }
  const fapi = isFapi(ctx, client);
  if (alg === 'none') {
    // OIDC Core §6.1: unsigned only for a client that registered for it (never under FAPI 2.0, nor
    // for a client registered with require_signed_request_object, RFC 9101 §10.5).
    const allowed = client.request_object_signing_alg === 'none' && !client.require_signed_request_object && !fapi;
    if (!allowed && !f.on('jar-skip-signature')) throw new InvalidRequestObject('the request object must be signed (alg none is not accepted for this client)');
  } else {
    const algs = requestObjectAlgs(ctx, client);
    if (typeof alg !== 'string' || !algs.includes(alg)) throw new InvalidRequestObject(`the request object must be signed with one of ${algs.join(', ')} (alg ${String(alg)})`);
    if (client.request_object_signing_alg && client.request_object_signing_alg !== 'none' && client.request_object_signing_alg !== alg) throw new InvalidRequestObject(`this client signs request objects with ${client.request_object_signing_alg}`);
  }
  if (alg !== 'none' && !f.on('jar-skip-signature')) {
    if (!client.jwks) throw new InvalidRequestObject('the client has no registered keys to verify a request object with');
    try {
      await compactVerify(jwt, createLocalJWKSet({ keys: client.jwks.keys as JWK[] }), { algorithms: [alg as string] });
    } catch {
      throw new InvalidRequestObject('the request object signature does not verify with the client\'s registered keys');
    }
  }
  // RFC 9101 §4 (SHOULD contain iss and aud); FAPI 2.0 MS §5.3.2 makes aud = the issuer a requirement.
  const aud = claims.aud === undefined ? undefined : Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if ((fapi || aud !== undefined) && !f.on('jar-ignore-aud') && !(aud ?? []).includes(ctx.issuer)) throw new InvalidRequestObject('the request object aud must be, or contain, the issuer');
  if ((fapi || claims.iss !== undefined) && claims.iss !== client.client_id) throw new InvalidRequestObject('the request object iss must be the client_id');
  checkTimes(ctx, claims, fapi);
  return claims;
}

// RFC 7519 §4.1.4 / §4.1.5: not expired, not before nbf. FAPI 2.0 MS §5.3.2: exp and nbf required,
// exp - nbf at most 60 minutes, nbf at most 60 minutes in the past (fault jar-ignore-lifetime).
function checkTimes(ctx: ProviderContext, claims: Record<string, unknown>, fapi: boolean): void {
  if (fapi && ctx.faults.on('jar-ignore-lifetime')) return;
  const now = Math.floor(Date.now() / 1000);
  const { exp, nbf } = claims;
  for (const [name, v] of [['exp', exp], ['nbf', nbf], ['iat', claims.iat]] as const) {
    if (v !== undefined && typeof v !== 'number') throw new InvalidRequestObject(`request object ${name} must be a number`);
  }
  if (typeof exp === 'number' && exp <= now - SKEW) throw new InvalidRequestObject('the request object has expired (exp)');
  // FAPI 2.0 SP §5.3.2.1: up to 10 s ahead is clock skew (fault jar-refuse-nbf-skew: none tolerated).
  const skew = ctx.faults.on('jar-refuse-nbf-skew') ? 0 : SKEW;
  if (typeof nbf === 'number' && nbf > now + skew) throw new InvalidRequestObject('the request object is not valid yet (nbf)');
  if (!fapi) return;
  if (typeof exp !== 'number') throw new InvalidRequestObject('the request object must carry exp');
  if (typeof nbf !== 'number') throw new InvalidRequestObject('the request object must carry nbf');
  if (exp - nbf > FAPI_MAX) throw new InvalidRequestObject('the request object lives more than 60 minutes (exp - nbf)');
  if (nbf < now - FAPI_MAX) throw new InvalidRequestObject('the request object nbf is more than 60 minutes in the past');
}
