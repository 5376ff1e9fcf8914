// Finding a presented token for revocation (RFC 7009) and introspection (RFC 7662): access tokens
// (RFC 9068 JWTs or opaque handles) and refresh tokens, whichever the token turns out to be, the
// hinted type first (RFC 7009 §2.1: the server extends its search across all types it supports).
import type { AuthorizationDetail } from './rar.ts';
import { compactVerify, decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { ProviderContext } from './context.ts';
import { isOpaque, resolveOpaqueHandle } from './opaque-tokens.ts';
import type { AccessTokenRecord } from './tokens.ts';

export type TokenType = 'access_token' | 'refresh_token' | 'id_token';

export interface TokenInfo {
  type: TokenType;
  clientId: string;
  sub?: string;
  scope?: string;
  jti?: string;
  grantId?: string;
  iat?: number;
  exp?: number;
  aud?: string | string[];
  /** RFC 9449: the DPoP key the access token is bound to. */
  jkt?: string;
  /** RFC 9396 §9.2: the access token's authorization_details. */
  authorizationDetails?: AuthorizationDetail[];
  /** RFC 8705 §3: the certificate thumbprint of a certificate-bound access token. */
  x5t?: string;
  /** Why the token is not active; absent = active. */
  inactive?: 'expired' | 'revoked' | 'rotated';
  /** Refresh tokens: the value itself, the store key. */
  refreshToken?: string;
}

/** The fields of a stored refresh token that matter here (grants/refresh_token.ts owns the record). */
interface RefreshRecord { grantId: string; clientId: string; sub: string; scope: string; expiresAt: number }

/** Where an individually revoked access token's record is kept (RFC 7009 §2.1), until it would have expired. */
export const revokedAccessKey = (jti: string) => `at:${jti}`;

const nowS = () => Math.floor(Date.now() / 1000);

export async function findToken(ctx: ProviderContext, token: string, hint?: string): Promise<TokenInfo | undefined> {
  const order: Array<'access_token' | 'refresh_token'> = hint === 'refresh_token' ? ['refresh_token', 'access_token'] : ['access_token', 'refresh_token'];
  for (const type of order) {
    const found = type === 'access_token' ? await findAccessToken(ctx, token) : await findRefreshToken(ctx, token);
    if (found) return found;
  }
  return findIdToken(ctx, token);
}

async function findRefreshToken(ctx: ProviderContext, token: string): Promise<TokenInfo | undefined> {
  if (!isOpaque(token)) return undefined;
  const r = await ctx.store.get<RefreshRecord>('refresh_token', token);
  if (!r) return undefined;
  const info: TokenInfo = { type: 'refresh_token', clientId: r.clientId, sub: r.sub, scope: r.scope, grantId: r.grantId, exp: Math.floor(r.expiresAt / 1000), refreshToken: token };
  if (Date.now() >= r.expiresAt) info.inactive = 'expired';
  else if (await ctx.store.get('revoked_grant', r.grantId)) info.inactive = 'revoked';
  else if ((await ctx.store.get('refresh_rotated', token)) !== undefined) info.inactive = 'rotated';
  return info;
}

async function findAccessToken(ctx: ProviderContext, token: string): Promise<TokenInfo | undefined> {
  let jti: string;
  let times: { iat?: number; exp?: number; aud?: string | string[] };
  /** What a JWT says itself (the record outlives it only until exp). */
  let claims: JWTPayload = {};
  if (isOpaque(token)) {
    const h = await resolveOpaqueHandle(ctx, token);
    if (!h) return undefined;
    jti = h.jti;
    times = { iat: h.iat, exp: h.exp, aud: h.aud };
  } else {
    const verified = await verifiedAccessTokenClaims(ctx, token);
    if (!verified || typeof verified.jti !== 'string') return undefined;
    claims = verified;
    jti = verified.jti;
    times = { iat: claims.iat, exp: claims.exp, aud: claims.aud };
  }
  const live = await ctx.store.get<AccessTokenRecord>('access_token', jti);
  const revoked = live ? undefined : await ctx.store.get<AccessTokenRecord>('revoked_grant', revokedAccessKey(jti));
  const record = live ?? revoked;
  const expired = times.exp !== undefined && times.exp <= nowS();
  if (!record) {
    // Expired: the record is gone with its TTL; a JWT still says whose it was.
    if (!expired) return undefined;
    const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
    return { type: 'access_token', clientId: str(claims.client_id) ?? '', sub: str(claims.sub), scope: str(claims.scope), jti, ...times, inactive: 'expired' };
  }
  const info: TokenInfo = { type: 'access_token', clientId: record.clientId, sub: record.sub, scope: record.scope, jti, grantId: record.grantId, jkt: record.jkt, x5t: record.x5t, ...(record.authorizationDetails ? { authorizationDetails: record.authorizationDetails } : {}), ...times };
  if (expired) info.inactive = 'expired';
  else if (revoked || (await ctx.store.get('revoked_grant', record.grantId))) info.inactive = 'revoked';
  return info;
}

/** Our own RFC 9068 access token: signature, issuer and typ verified; an expired one still answers (with its exp). */
async function verifiedAccessTokenClaims(ctx: ProviderContext, token: string): Promise<JWTPayload | undefined> {
  try {
    return (await jwtVerify(token, ctx.keys.verifyKeys, { issuer: ctx.issuer, typ: 'at+jwt', algorithms: ctx.keys.algs })).payload;
  } catch (e) {
    // jose validates the claims only after the signature verified: an expired token is ours.
    if (e instanceof joseErrors.JWTExpired) return decodeJwt(token);
    return undefined;
  }
}

/** Our own ID Token (RFC 7009 §2.2.1: a type we do not revoke, unsupported_token_type). */
async function findIdToken(ctx: ProviderContext, token: string): Promise<TokenInfo | undefined> {
  if (isOpaque(token)) return undefined;
  try {
    // Signature only (an expired ID Token is still an ID Token), then the issuer.
    const { protectedHeader } = await compactVerify(token, ctx.keys.verifyKeys, { algorithms: ctx.keys.algs });
    const payload = decodeJwt(token);
    if (protectedHeader.typ === 'at+jwt' || payload.iss !== ctx.issuer) return undefined;
    const aud = Array.isArray(payload.aud) ? payload.aud[0] : payload.aud;
    return { type: 'id_token', clientId: aud ?? '', sub: payload.sub, iat: payload.iat, exp: payload.exp, aud: payload.aud };
  } catch {
    return undefined;
  }
}
