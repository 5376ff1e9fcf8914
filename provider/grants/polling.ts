// The polled grants: the device authorization grant (RFC 8628 §3.4, §3.5) and CIBA in poll mode
// (CIBA Core §10.1, §11). Both hand the client an opaque handle (device_code, auth_req_id) that it
// polls at the token endpoint no faster than `interval` seconds until the End-User approves or
// denies, or the handle expires. This file holds what the two share: the record, the polling
// answer (authorization_pending, slow_down, expired_token, access_denied) and token issuance.
import { randomUUID } from 'node:crypto';
import type { ClientConfig } from '../config.ts';
import type { ProviderContext } from '../context.ts';
import { InvalidGrant, OAuthError } from '../errors.ts';
import { storeRoundTrip, type Kind } from '../store.ts';
import { issueAccessToken, issueIdToken } from '../tokens.ts';
import { grantTypesOf } from './grant-types.ts';
import { issueRefreshToken } from './refresh_token.ts';

/** RFC 7591 §2: the client registered for the refresh_token grant. */
export function mayRefresh(client: ClientConfig): boolean {
  return grantTypesOf(client).includes('refresh_token');
}

export type PollStatus = 'pending' | 'approved' | 'denied' | 'used';

export interface PolledGrant {
  clientId: string;
  scope: string;
  status: PollStatus;
  /** ms epoch: after this the handle answers expired_token. */
  expiresAt: number;
  /** ms epoch: the record is kept this long (expired handles still answer expired_token). */
  keepUntil: number;
  /** Seconds; grows by 5 on every slow_down (RFC 8628 §3.5). */
  interval: number;
  /** ms epoch of the last token request (or of issuance): the interval counts from here. */
  lastPollAt: number;
  /** The End-User, once known (CIBA: from the hint at request time; device: at approval). */
  sub?: string;
  authTime?: number;
  grantId: string;
}

/** How long an expired handle is remembered, so its client gets expired_token rather than invalid_grant. */
export const EXPIRED_GRACE_S = 300;

export function newPolledGrant(ctx: ProviderContext, p: { clientId: string; scope: string; expiresIn: number; sub?: string }): PolledGrant {
  const now = Date.now();
  return {
    clientId: p.clientId,
    scope: p.scope,
    status: 'pending',
    expiresAt: now + p.expiresIn * 1000,
    keepUntil: now + (p.expiresIn + EXPIRED_GRACE_S) * 1000,
    interval: ctx.config.polling_interval,
    lastPollAt: now,
    sub: p.sub,
    grantId: randomUUID(),
  };
}

export async function saveGrant(ctx: ProviderContext, kind: Kind, id: string, g: PolledGrant): Promise<void> {
  const ttl = (g.keepUntil - Date.now()) / 1000;
  await ctx.store.set(kind, id, g, ttl);
}

/** Each rule of the polled grants, and the fault switch that turns it off. */
export interface PollRules {
  kind: Kind;
  /** Name of the handle in messages: "device_code" or "auth_req_id". */
  name: string;
  faults: {
    otherClient: boolean;
    reuse: boolean;
    expired: boolean;
    tooFastDenied: boolean;
    denied: boolean;
    autoApprove: boolean;
    unknownPending: boolean;
    /** Fault *-redeem-race: the "used" mark is read, then written a store round trip later (not atomically). */
    race: boolean;
  };
}

/** RFC 6749 §5.2 style error on the token endpoint, always 400 (also access_denied). */
function tokenError(code: string, description: string): OAuthError {
  return new OAuthError(code, description, 400);
}

/**
 * One poll. Order: unknown handle, client binding, already redeemed, expiry, then the state of
 * the request (pending with the interval enforced, denied, approved). Returns the token response.
 */
export async function poll(ctx: ProviderContext, client: ClientConfig, handle: string, rules: PollRules): Promise<Record<string, unknown>> {
  const g = await ctx.store.get<PolledGrant>(rules.kind, handle);
  // RFC 8628 §3.5 / CIBA §11: an unknown handle is invalid_grant.
  if (!g) {
    if (rules.faults.unknownPending) throw tokenError('authorization_pending', 'the End-User has not yet approved the request');
    throw new InvalidGrant(`${rules.name} is unknown`);
  }
  // RFC 8628 §3.4 / CIBA §11: the handle was issued to the authenticated client.
  if (g.clientId !== client.client_id && !rules.faults.otherClient) throw new InvalidGrant(`${rules.name} was issued to another client`);
  // A handle is redeemed once (RFC 6749 §10.5 applied to device codes and auth_req_ids).
  if (g.status === 'used') throw new InvalidGrant(`${rules.name} has already been used`);
  const now = Date.now();
  // RFC 8628 §3.5 / CIBA §11: expired_token once expires_in has passed.
  if (now >= g.expiresAt && !rules.faults.expired) throw tokenError('expired_token', `${rules.name} has expired`);

  const sinceLast = now - g.lastPollAt;
  g.lastPollAt = now;
  let status = g.status;
  if (status === 'pending' && rules.faults.autoApprove) {
    status = 'approved';
    g.sub ??= ctx.users[0]?.sub;
    g.authTime ??= Math.floor(now / 1000);
  }
  if (status === 'pending') {
    // RFC 8628 §3.5 / CIBA §11: polling faster than the interval gets slow_down, and the interval
    // grows by 5 seconds for this and all subsequent requests.
    if (sinceLast < g.interval * 1000) {
      // Fault *-too-fast-denied: a poll before the interval ends the pending request as if denied.
      if (rules.faults.tooFastDenied) {
        await saveGrant(ctx, rules.kind, handle, g);
        throw tokenError('access_denied', 'polling too fast');
      }
      g.interval += 5;
      await saveGrant(ctx, rules.kind, handle, g);
      throw tokenError('slow_down', `polling too fast: wait at least ${g.interval} seconds between requests`);
    }
    await saveGrant(ctx, rules.kind, handle, g);
    throw tokenError('authorization_pending', 'the End-User has not yet approved the request');
  }
  if (status === 'denied' && !rules.faults.denied) {
    await saveGrant(ctx, rules.kind, handle, g);
    throw tokenError('access_denied', 'the End-User denied the request');
  }
  if (rules.faults.race) {
    // Fault *-redeem-race: status was read above; the write comes a round trip later, so every
    // concurrent poll of the approved handle gets tokens (a later sequential poll is still refused).
    await storeRoundTrip();
    g.status = 'used';
  } else if (!rules.faults.reuse) {
    // One atomic write-if-absent of the "used" marker: of concurrent polls of an approved handle,
    // exactly one gets tokens (fault *-reuse: no marker, every poll does).
    const ttl = (g.keepUntil - Date.now()) / 1000;
    if (!(await ctx.store.add('polled_used', `${rules.kind}:${handle}`, true, ttl))) throw new InvalidGrant(`${rules.name} has already been used`);
    g.status = 'used';
  }
  await saveGrant(ctx, rules.kind, handle, g);
  return issueTokens(ctx, client, g);
}

async function issueTokens(ctx: ProviderContext, client: ClientConfig, g: PolledGrant): Promise<Record<string, unknown>> {
  const sub = g.sub as string;
  const authTime = g.authTime ?? Math.floor(Date.now() / 1000);
  const { token, expiresIn } = await issueAccessToken(ctx, { sub, clientId: client.client_id, scope: g.scope, grantId: g.grantId, authTime });
  const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: g.scope };
  // OIDC Core §3.1.3.3 / CIBA §10.1.1: an openid request gets an ID Token (no nonce in these flows).
  if (g.scope.split(' ').includes('openid')) body.id_token = await issueIdToken(ctx, { client, sub, authTime, accessToken: token });
  // RFC 8628 §3.5 / CIBA §10.1.1 (RFC 6749 §5.1): a refresh token is OPTIONAL; issued here when the
  // client may use the refresh_token grant and offline_access was granted (OIDC Core §11), the
  // End-User's approval on the device being the consent.
  if (g.scope.split(' ').includes('offline_access') && mayRefresh(client)) {
    body.refresh_token = await issueRefreshToken(ctx, { grantId: g.grantId, clientId: client.client_id, sub, scope: g.scope, authTime });
  }
  return body;
}

/**
 * Scope validation shared by both request endpoints: known scopes only, openid when `requireOpenid`;
 * offline_access only from a client that may use the refresh_token grant.
 */
export function checkScope(scope: string | undefined, supported: readonly string[], requireOpenid: boolean, client?: ClientConfig): string {
  const s = (scope ?? (requireOpenid ? '' : 'openid')).trim();
  const list = s.split(' ').filter(Boolean);
  if (requireOpenid && !list.includes('openid')) throw new OAuthError('invalid_request', 'scope is required and must contain openid', 400);
  const offline = client !== undefined && mayRefresh(client);
  const unknown = list.filter((x) => !supported.includes(x) || (x === 'offline_access' && !offline));
  if (unknown.length) throw new OAuthError('invalid_scope', `unsupported scope: ${unknown.join(' ')}`, 400);
  return list.join(' ');
}
