// Token issuance: RFC 9068 JWT access tokens and OpenID Connect ID Tokens, and access token
// verification for the UserInfo endpoint.
import type { AuthorizationDetail } from './rar.ts';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomUUID } from 'node:crypto';
import { SignJWT, jwtVerify, base64url, errors as joseErrors } from 'jose';
import { requestedClaims, type ClaimsRequest } from './claims.ts';
import type { ClientConfig, UserConfig } from './config.ts';
import type { ProviderContext } from './context.ts';
import { InvalidToken } from './errors.ts';
import { accessTokenFormat, isOpaque, issueOpaqueHandle, opaqueJti } from './opaque-tokens.ts';

export interface AccessTokenRecord {
  jti: string; grantId: string; sub: string; clientId: string; scope: string;
  /** OIDC Core §5.5: the claims requested for the UserInfo response. */
  userinfoClaims?: ClaimsRequest['userinfo'];
  /** RFC 9449 §6: the DPoP key thumbprint the token is bound to (cnf.jkt). */
  jkt?: string;
  /** RFC 9396 §9: the authorization_details of the token (introspection, JWT claim). */
  authorizationDetails?: AuthorizationDetail[];
  /** RFC 8705 §3: the TLS client certificate thumbprint the token is bound to (cnf.x5t#S256). */
  x5t?: string;
}

/**
 * What the token request binds the tokens it issues to, set by the token endpoint around the grant:
 * the DPoP proof key (RFC 9449 §6, cnf.jkt) and the audience (RFC 8707 resource parameter).
 */
export interface TokenBinding { jkt?: string; audience?: string; x5t?: string }
const bindingStorage = new AsyncLocalStorage<TokenBinding>();
export function withTokenBinding<T>(binding: TokenBinding, fn: () => Promise<T>): Promise<T> {
  return bindingStorage.run(binding, fn);
}
export function tokenBinding(): TokenBinding {
  return bindingStorage.getStore() ?? {};
}

const now = (): number => Math.floor(Date.now() / 1000);

function accessTokenKey(ctx: ProviderContext) {
  return ctx.keys.keys.find((k) => k.alg === 'RS256') ?? ctx.keys.keys[0];
}

/** RFC 9068 §2: JWT access token with typ at+jwt and iss, sub, aud, exp, iat, jti, client_id, scope. */
export async function issueAccessToken(
  ctx: ProviderContext,
  g: { sub: string; clientId: string; scope: string; grantId: string; authTime: number; claims?: ClaimsRequest; authorizationDetails?: AuthorizationDetail[] },
): Promise<{ token: string; expiresIn: number }> {
  const key = accessTokenKey(ctx);
  const jti = randomUUID();
  const iat = now();
  // RFC 6750 §5.3: short-lived bearer tokens (fault long-lived-access-tokens: a day).
  const expiresIn = ctx.faults.on('long-lived-access-tokens') ? 86400 : ctx.config.ttl.access_token;
  const binding = tokenBinding();
  // RFC 9449 §6.1: a DPoP-bound token carries cnf.jkt, the proof key's thumbprint (fault dpop-no-binding: not bound).
  const jkt = ctx.faults.on('dpop-no-binding') ? undefined : binding.jkt;
  // RFC 8705 §3.1: a certificate-bound token carries cnf.x5t#S256 (provider/mtls.ts certificateBinding).
  const x5t = binding.x5t;
  const cnf = jkt || x5t ? { cnf: { ...(jkt ? { jkt } : {}), ...(x5t ? { 'x5t#S256': x5t } : {}) } } : {};
  const token = await new SignJWT({ client_id: g.clientId, scope: g.scope, auth_time: g.authTime, ...cnf, ...(g.authorizationDetails ? { authorization_details: g.authorizationDetails } : {}) })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(ctx.issuer)
    .setSubject(g.sub)
    // RFC 9068 §3 / RFC 8707 §2: aud is the requested resource, else the UserInfo endpoint.
    // (fault access-token-scope-aud: the scope values as aud, against RFC 9068 §2.2 / §3).
    .setAudience(ctx.faults.on('access-token-scope-aud') ? g.scope.split(' ').filter(Boolean) : binding.audience ?? `${ctx.issuer}/userinfo`)
    .setIssuedAt(iat)
    .setExpirationTime(iat + expiresIn)
    .setJti(jti)
    .sign(key.privateKey);
  const record: AccessTokenRecord = { jti, grantId: g.grantId, sub: g.sub, clientId: g.clientId, scope: g.scope, userinfoClaims: g.claims?.userinfo, ...(jkt ? { jkt } : {}), ...(x5t ? { x5t } : {}), ...(g.authorizationDetails ? { authorizationDetails: g.authorizationDetails } : {}) };
  await ctx.store.set('access_token', jti, record, expiresIn);
  // access_token_format opaque (global or per client): a random handle for the same record.
  if ((await accessTokenFormat(ctx, g.clientId)) === 'opaque') {
    return { token: await issueOpaqueHandle(ctx, { jti, iat, exp: iat + expiresIn, aud: binding.audience ?? `${ctx.issuer}/userinfo` }), expiresIn };
  }
  return { token, expiresIn };
}

/** OIDC Core §3.1.3.6: at_hash is the base64url left half of the hash of the access token. */
export function atHash(accessToken: string, alg: string): string {
  const bits = alg.slice(2);
  const hash = createHash(`sha${bits === '384' ? '384' : bits === '512' ? '512' : '256'}`).update(accessToken, 'ascii').digest();
  return base64url.encode(hash.subarray(0, hash.length / 2));
}

export async function issueIdToken(
  ctx: ProviderContext,
  p: { client: ClientConfig; sub: string; nonce?: string; authTime: number; accessToken: string; acr?: string; claims?: ClaimsRequest },
): Promise<string> {
  const { faults } = ctx;
  const alg = p.client.id_token_signed_response_alg;
  // OIDC Core §10.1: HS256 is MACed with the UTF-8 octets of the client_secret (fault
  // id-token-wrong-mac: with another secret); the other algs are signed with a key the client can
  // find in our JWKS (OIDCC §3.1.3.7 (6); fault id-token-unknown-key: an unpublished key).
  const key = alg === 'HS256'
    ? { kid: undefined, privateKey: new TextEncoder().encode(`${p.client.client_secret ?? ''}${faults.on('id-token-wrong-mac') ? '-not-the-secret' : ''}`) }
    : faults.on('id-token-unknown-key') ? await ctx.keys.unpublished(alg) : ctx.keys.forAlg(alg);
  // OIDCC §3.1.3.7 (10): iat is the time of issue (fault id-token-future-iat: an hour ahead).
  const iat = faults.on('id-token-future-iat') ? now() + 3600 : now();
  // OIDCC §3.1.3.7 (9): exp is in the future (fault: already expired, iat stays current).
  const exp = faults.on('id-token-expired') ? iat - 600 : now() + ctx.config.ttl.id_token;
  const user = ctx.users.find((u) => u.sub === p.sub);
  const claims: Record<string, unknown> = {
    // OIDC Core §5.5: claims requested for the ID Token by the claims parameter.
    ...(user ? idTokenClaims(p.claims, user) : {}),
    // OIDC Core §2: auth_time is always present (required with max_age or when requested)
    // (fault omit-auth-time: never).
    ...(faults.on('omit-auth-time') ? {} : { auth_time: p.authTime }),
    // OIDC Core §2: azp, when present, is the client the ID Token was issued to (fault: another client).
    azp: faults.on('id-token-wrong-azp') ? 'touchstone-someone-else' : p.client.client_id,
    // OIDCC §3.1.3.8: at_hash binds the access token (fault: hash of a different value).
    at_hash: atHash(faults.on('id-token-bad-at-hash') ? `${p.accessToken}.tampered` : p.accessToken, alg),
  };
  // OIDCC §3.1.3.7 (11): nonce echoed exactly when it was sent (fault: omitted).
  if (p.nonce !== undefined && !faults.on('id-token-omit-nonce')) claims.nonce = p.nonce;
  // OIDC Core §2, §3.1.2.1: acr when acr_values or the claims parameter asked for it.
  if (p.acr !== undefined) claims.acr = p.acr;
  // OIDC Core §2: iat is REQUIRED (fault id-token-omit-iat: omitted).
  if (!faults.on('id-token-omit-iat')) claims.iat = iat;
  return new SignJWT(claims)
    .setProtectedHeader({ alg, ...(key.kid ? { kid: key.kid } : {}), typ: 'JWT' })
    // OIDCC §3.1.3.7 (2): iss is exactly our issuer (fault: another one).
    .setIssuer(faults.on('id-token-wrong-iss') ? `${ctx.issuer}/wrong-issuer` : ctx.issuer)
    .setSubject(p.sub)
    // OIDCC §3.1.3.7 (3): aud is the client (fault: another client).
    .setAudience(faults.on('id-token-wrong-aud') ? 'touchstone-someone-else' : p.client.client_id)
    .setExpirationTime(exp)
    .sign(key.privateKey);
}

const PROTOCOL_CLAIMS = new Set(['iss', 'sub', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'amr', 'azp', 'at_hash', 'c_hash', 'jti']);

function idTokenClaims(claims: ClaimsRequest | undefined, user: UserConfig): Record<string, unknown> {
  const out = requestedClaims(claims?.id_token, user);
  for (const k of Object.keys(out)) if (PROTOCOL_CLAIMS.has(k)) delete out[k];
  return out;
}

/** Verify a JWT access token: our signature, typ at+jwt, issuer, exp, and not revoked. */
export async function verifyAccessToken(ctx: ProviderContext, token: string): Promise<AccessTokenRecord> {
  let jti: string | undefined;
  if (isOpaque(token)) jti = await opaqueJti(ctx, token);
  else try {
    const { payload } = await jwtVerify(token, ctx.keys.verifyKeys, {
      issuer: ctx.issuer,
      typ: 'at+jwt',
      algorithms: ctx.keys.algs,
      requiredClaims: ['exp', 'iat', 'jti', 'sub'],
    });
    jti = payload.jti;
  } catch (e) {
    if (e instanceof joseErrors.JWTExpired) throw new InvalidToken('access token is expired');
    throw new InvalidToken('access token is invalid');
  }
  const record = await ctx.store.get<AccessTokenRecord>('access_token', jti as string);
  if (!record) throw new InvalidToken('access token is unknown or expired');
  if (await ctx.store.get('revoked_grant', record.grantId)) throw new InvalidToken('access token has been revoked');
  return record;
}

/** Revoke every token issued from one grant (one authorization code). */
export async function revokeGrant(ctx: ProviderContext, grantId: string): Promise<void> {
  const { ttl } = ctx.config;
  await ctx.store.set('revoked_grant', grantId, true, Math.max(ttl.access_token, ttl.id_token, ttl.refresh_token));
}
