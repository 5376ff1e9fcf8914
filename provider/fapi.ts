// The FAPI 2.0 Security Profile as a per-client (or provider-wide) profile, and pushed
// authorization requests (RFC 9126) as seen from /authorize: which clients must push, and how a
// request_uri is resolved (expiry, client binding, use until the authorization completes).
import type { ClientConfig } from './config.ts';
import type { ProviderContext } from './context.ts';
import { InvalidRequest, OAuthError } from './errors.ts';
import type { Params } from './http.ts';

/** FAPI 2.0 SP §5.4.1: the signature algorithms a FAPI client may use (RS256 is not one). */
export const FAPI_ALGS = ['PS256', 'ES256', 'EdDSA'];

/** RFC 9126 §2.2: request_uri values are URNs under this prefix. */
export const REQUEST_URI_PREFIX = 'urn:ietf:params:oauth:request_uri:';

/** The stored pushed authorization request. */
export interface PushedRequest {
  clientId: string;
  params: Params;
  /** Epoch ms: expires_in after the push (the store keeps the record a little longer). */
  expiresAt: number;
}

export function isFapi(ctx: ProviderContext, client: ClientConfig): boolean {
  return (client.profile ?? ctx.config.profile) === 'fapi2';
}

/** RFC 9126 §6 (require_pushed_authorization_requests) and FAPI 2.0 SP §5.3.2.1 (PAR is required). */
export function requiresPar(ctx: ProviderContext, client: ClientConfig): boolean {
  return isFapi(ctx, client) || (client.require_pushed_authorization_requests ?? ctx.config.require_pushed_authorization_requests);
}

export class InvalidRequestUri extends OAuthError {
  constructor(description: string) { super('invalid_request_uri', description); }
}

/**
 * /authorize with a request_uri from the PAR endpoint: the pushed parameters replace the query
 * (RFC 9126 §4: only client_id and request_uri travel through the browser).
 */
export async function resolvePushedRequest(ctx: ProviderContext, client: ClientConfig, requestUri: string): Promise<Params> {
  const record = await ctx.store.get<PushedRequest>('par', requestUri);
  if (!record) throw new InvalidRequestUri('request_uri is unknown or has expired');
  // RFC 9126 §2.2: the request_uri is valid for expires_in seconds (fault par-ignore-expiry).
  if (Date.now() >= record.expiresAt && !ctx.faults.on('par-ignore-expiry')) throw new InvalidRequestUri('request_uri has expired');
  // RFC 9126 §4: the client_id must be the one of the client that pushed the request.
  if (record.clientId !== client.client_id && !ctx.faults.on('par-ignore-client-binding')) throw new InvalidRequest('request_uri was issued to another client');
  // RFC 9126 §4: one-time use, but a reload before the authorization completes is tolerated
  // (module par-ensure-reused-request-uri-prior-to-auth-completion-succeeds): the request_uri is
  // spent when a code is issued with it (markPushedRequestUsed), not when it is first opened.
  if (!ctx.faults.on('par-allow-request-uri-reuse') && (await ctx.store.get('par_used', requestUri)) !== undefined) throw new InvalidRequestUri('request_uri has already been used');
  if (ctx.faults.on('par-consume-on-first-use')) await markPushedRequestUsed(ctx, requestUri);
  return { ...record.params, client_id: client.client_id };
}

/**
 * A code is being issued from this request_uri: later uses are refused (RFC 9126 §4). One atomic
 * write-if-absent of the "used" marker: true when this call spent the request_uri, false when
 * another (concurrent or earlier) authorization already did, so at most one code comes of it.
 */
export async function markPushedRequestUsed(ctx: ProviderContext, requestUri: string): Promise<boolean> {
  const record = await ctx.store.get<PushedRequest>('par', requestUri);
  if (!record) return true;
  return ctx.store.add('par_used', requestUri, true, (record.expiresAt - Date.now()) / 1000 + 300);
}

/** FAPI 2.0 SP §5.3.2.1: PAR is required; plain authorization requests are refused. */
export function refuseUnpushed(ctx: ProviderContext, client: ClientConfig): void {
  if (requiresPar(ctx, client) && !ctx.faults.on('fapi-allow-authorize-without-par')) {
    throw new InvalidRequest('this client must use pushed authorization requests (request_uri from the PAR endpoint)');
  }
}
