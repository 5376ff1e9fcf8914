// grant_type=refresh_token (RFC 6749 §6, OIDC Core §12, RFC 9700 §4.14.2).
// Refresh tokens are opaque random strings issued only for a consented offline_access. Each use
// rotates: the presented token is retired and a new one is returned. A retired token presented
// again means it leaked; the whole grant (every access and refresh token issued from the same
// authorization code) is revoked.
import { tokenBytes } from '../faults.ts';
import type { ClaimsRequest } from '../claims.ts';
import type { ClientConfig } from '../config.ts';
import type { ProviderContext } from '../context.ts';
import { InvalidGrant, InvalidRequest, InvalidScope } from '../errors.ts';
import { randomToken, type Params } from '../http.ts';
import { issueAccessToken, issueIdToken, revokeGrant } from '../tokens.ts';
import { checkRefreshTokenKey, refreshTokenKey } from '../dpop.ts';
import { storeRoundTrip } from '../store.ts';

/** What a refresh token stands for: one grant (from one authorization code) to one client. */
export interface Grant {
  grantId: string;
  clientId: string;
  sub: string;
  /** The scope granted at authorization; a refresh may narrow it, never widen it. */
  scope: string;
  authTime: number;
  acr?: string;
  claims?: ClaimsRequest;
}

interface RefreshTokenRecord extends Grant {
  /** Epoch ms. */
  expiresAt: number;
  /** RFC 9449 §5: a public client's refresh token is bound to its DPoP key. */
  jkt?: string;
}

export async function issueRefreshToken(ctx: ProviderContext, grant: Grant): Promise<string> {
  const token = randomToken(tokenBytes(ctx.faults));
  const { grantId, clientId, sub, scope, authTime, acr, claims } = grant;
  const record: RefreshTokenRecord = { grantId, clientId, sub, scope, authTime, acr, claims, expiresAt: Date.now() + ctx.config.ttl.refresh_token * 1000, ...(await refreshTokenKey(ctx, clientId)) };
  await ctx.store.set('refresh_token', token, record, ctx.config.ttl.refresh_token);
  return token;
}

export async function refreshTokenGrant(ctx: ProviderContext, client: ClientConfig, params: Params): Promise<Record<string, unknown>> {
  if (!params.refresh_token) throw new InvalidRequest('refresh_token is required');
  const record = await ctx.store.get<RefreshTokenRecord>('refresh_token', params.refresh_token);
  if (!record || Date.now() >= record.expiresAt) throw new InvalidGrant('refresh token is invalid or expired');
  // OIDC Core §12: a valid refresh token obtains new tokens (fault refresh-token-refused).
  if (ctx.faults.on('refresh-token-refused')) throw new InvalidGrant('refresh token is invalid or expired');
  checkClientBinding(ctx, record, client);
  checkRefreshTokenKey(ctx, record.jkt);
  if (await ctx.store.get('revoked_grant', record.grantId)) throw new InvalidGrant('refresh token has been revoked');
  const scope = narrowScope(record, params.scope);
  await refuseRotatedOut(ctx, record, await claimRotation(ctx, params.refresh_token, record));
  const refreshToken = await rotate(ctx, params.refresh_token, record);

  const { token, expiresIn } = await issueAccessToken(ctx, { ...record, scope });
  const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope, refresh_token: refreshToken };
  // OIDC Core §12.2: a new ID Token with the original sub, aud and auth_time, a new iat, no nonce.
  if (scope.split(' ').includes('openid')) {
    body.id_token = await issueIdToken(ctx, { client, sub: record.sub, authTime: record.authTime, accessToken: token, acr: record.acr, claims: record.claims });
  }
  return body;
}

// RFC 6749 §6: the refresh token was issued to the authenticated client (fault: any client).
function checkClientBinding(ctx: ProviderContext, record: RefreshTokenRecord, client: ClientConfig): void {
  if (record.clientId !== client.client_id && !ctx.faults.on('refresh-token-not-client-bound')) throw new InvalidGrant('refresh token was issued to another client');
}

// RFC 9700 §4.14.2: a rotated-out refresh token is refused (fault accept-rotated-refresh-token:
// it still works), and its reuse revokes the active refresh token and every token of the grant
// (fault rotated-reuse-keeps-grant: refused, nothing revoked).
async function refuseRotatedOut(ctx: ProviderContext, record: RefreshTokenRecord, rotatedBefore: boolean): Promise<void> {
  if (!rotatedBefore || ctx.faults.on('accept-rotated-refresh-token')) return;
  if (!ctx.faults.on('rotated-reuse-keeps-grant')) await revokeGrant(ctx, record.grantId);
  throw new InvalidGrant('refresh token has already been used');
}

// RFC 6749 §6: a requested scope must not include any scope not originally granted.
function narrowScope(record: RefreshTokenRecord, requested: string | undefined): string {
  if (requested === undefined) return record.scope;
  const granted = record.scope.split(' ');
  const asked = [...new Set(requested.split(' ').filter(Boolean))];
  const extra = asked.filter((s) => !granted.includes(s));
  if (extra.length > 0) throw new InvalidScope(`scope exceeds the original grant: ${extra.join(' ')}`);
  return asked.join(' ');
}

// The check-and-rotate of one refresh token is ONE atomic store write: the "rotated" marker is
// added if absent, and only the request that added it rotates; every other (concurrent or later)
// use finds it. True when the token had been rotated out before this request.
// Fault refresh-rotation-race: the marker is read, then written a store round trip later, so
// concurrent requests all pass (a later reuse is still refused).
// Fault refresh-token-no-rotation: the token is never retired, so no marker is written.
async function claimRotation(ctx: ProviderContext, token: string, record: RefreshTokenRecord): Promise<boolean> {
  if (ctx.faults.on('refresh-token-no-rotation')) return false;
  const ttl = (record.expiresAt - Date.now()) / 1000;
  if (ctx.faults.on('refresh-rotation-race')) {
    const seen = await ctx.store.get('refresh_rotated', token);
    await storeRoundTrip();
    await ctx.store.set('refresh_rotated', token, true, ttl);
    return seen !== undefined;
  }
  return !(await ctx.store.add('refresh_rotated', token, true, ttl));
}

// RFC 9700 §4.14.2: refresh token rotation. The used token is kept, and its "rotated" marker
// (claimRotation) serves reuse detection and introspection; a new one with the grant's full scope
// replaces it (fault refresh-token-no-rotation: the same token is returned and stays valid).
async function rotate(ctx: ProviderContext, used: string, record: RefreshTokenRecord): Promise<string> {
  if (ctx.faults.on('refresh-token-no-rotation')) return used;
  return issueRefreshToken(ctx, record);
}
