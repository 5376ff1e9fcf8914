// grant_type=authorization_code (RFC 6749 §4.1.3, RFC 7636 §4.6, OIDC Core §3.1.3).
import { tokenResponseDetails } from '../rar.ts';
import { createHash } from 'node:crypto';
import type { AuthorizationRequest, CodeRecord } from '../authorization-response.ts';
import type { ClientConfig } from '../config.ts';
import type { ProviderContext } from '../context.ts';
import { InvalidGrant, InvalidRequest } from '../errors.ts';
import { safeEqual, type Params } from '../http.ts';
import { issueAccessToken, issueIdToken, revokeGrant } from '../tokens.ts';
import { issueRefreshToken } from './refresh_token.ts';
import { checkCodeDpopKey } from '../dpop.ts';
import { storeRoundTrip } from '../store.ts';

export type { AuthorizationRequest };

interface UsedCode { grantId: string }

export async function authorizationCodeGrant(ctx: ProviderContext, client: ClientConfig, params: Params): Promise<Record<string, unknown>> {
  if (!params.code) throw new InvalidRequest('code is required');
  const code = await redeemCode(ctx, params.code);
  checkExpiry(ctx, code);
  checkClientBinding(ctx, code, client);
  checkRedirectUri(ctx, code, params);
  if (!ctx.faults.on('skip-pkce-verification')) verifyPkce(ctx, code, params.code_verifier);
  checkCodeDpopKey(ctx, code.dpopJkt);

  const grant = { sub: code.sub, clientId: client.client_id, scope: code.scope, grantId: code.grantId, authTime: code.authTime, acr: code.acr, claims: code.claims, authorizationDetails: code.authorizationDetails };
  const { token, expiresIn } = await issueAccessToken(ctx, grant);
  // RFC 9396 §7: the authorization_details granted come back with the tokens.
  const body: Record<string, unknown> = { access_token: token, token_type: 'Bearer', expires_in: expiresIn, scope: code.scope, ...tokenResponseDetails(ctx, code.authorizationDetails) };
  // OIDC Core §11: a refresh token only for a consented offline_access (the code's scope keeps
  // offline_access only then).
  if (code.scope.split(' ').includes('offline_access')) body.refresh_token = await issueRefreshToken(ctx, grant);
  // OIDC Core §3.1.3.3: an openid request gets an ID Token.
  if (code.scope.split(' ').includes('openid')) {
    body.id_token = await issueIdToken(ctx, { client, sub: code.sub, nonce: code.nonce, authTime: code.authTime, accessToken: token, acr: code.acr, claims: code.claims });
  }
  return body;
}

// RFC 6749 §4.1.2: a code is single-use. It is consumed atomically; a second use finds only the
// "used" marker and is refused (and the first tokens are revoked, below).
async function redeemCode(ctx: ProviderContext, value: string): Promise<CodeRecord> {
  const code = ctx.faults.on('allow-code-reuse')
    ? await ctx.store.get<CodeRecord>('code', value)
    : ctx.faults.on('code-redeem-race')
      ? await readThenDelete(ctx, value)
      : await ctx.store.consume<CodeRecord>('code', value);
  if (code) {
    await ctx.store.set('code_used', value, { grantId: code.grantId } satisfies UsedCode, Math.max(ctx.config.ttl.access_token, ctx.config.ttl.code + 300));
    return code;
  }
  const used = await ctx.store.get<UsedCode>('code_used', value);
  if (used) {
    await revokeOnReuse(ctx, used);
    throw new InvalidGrant('authorization code has already been used');
  }
  throw new InvalidGrant('authorization code is invalid or expired');
}

// Fault code-redeem-race: read, a store round trip, then delete: concurrent requests all read it.
async function readThenDelete(ctx: ProviderContext, value: string): Promise<CodeRecord | undefined> {
  const code = await ctx.store.get<CodeRecord>('code', value);
  await storeRoundTrip();
  await ctx.store.delete('code', value);
  return code;
}

// RFC 6749 §4.1.2: on code reuse the AS SHOULD revoke all tokens issued from that code.
async function revokeOnReuse(ctx: ProviderContext, used: UsedCode): Promise<void> {
  if (!ctx.faults.on('keep-tokens-on-code-reuse')) await revokeGrant(ctx, used.grantId);
}

// RFC 6749 §4.1.2: the code expires shortly after issue (ttl.code seconds).
function checkExpiry(ctx: ProviderContext, code: CodeRecord): void {
  if (Date.now() >= code.expiresAt && !ctx.faults.on('accept-expired-code')) throw new InvalidGrant('authorization code is expired');
}

// RFC 6749 §4.1.3: the code was issued to the authenticated client.
function checkClientBinding(ctx: ProviderContext, code: CodeRecord, client: ClientConfig): void {
  if (code.clientId !== client.client_id && !ctx.faults.on('ignore-code-client-binding')) throw new InvalidGrant('authorization code was issued to another client');
}

// RFC 6749 §4.1.3: redirect_uri is identical to the one in the authorization request.
function checkRedirectUri(ctx: ProviderContext, code: CodeRecord, params: Params): void {
  if (params.redirect_uri !== code.redirectUri && !ctx.faults.on('ignore-token-redirect-uri-mismatch')) {
    throw new InvalidGrant('redirect_uri does not match the authorization request');
  }
}

// RFC 7636 §4.6: BASE64URL(SHA256(code_verifier)) must equal code_challenge (or the verifier
// itself for plain); a missing or non-matching verifier is invalid_grant.
function verifyPkce(ctx: ProviderContext, code: CodeRecord, verifier: string | undefined): void {
  if (!code.codeChallenge) return;
  if (!verifier) throw new InvalidGrant('code_verifier is required');
  // RFC 7636 §4.1 (fault pkce-accept-short-verifier: a shorter one that matches is accepted).
  if (!/^[A-Za-z0-9\-._~]{43,128}$/.test(verifier) && !(ctx.faults.on('pkce-accept-short-verifier') && verifier.length < 43)) throw new InvalidGrant('code_verifier must be 43 to 128 unreserved characters');
  const computed = code.codeChallengeMethod === 'plain' ? verifier : createHash('sha256').update(verifier, 'ascii').digest('base64url');
  if (!safeEqual(computed, code.codeChallenge)) throw new InvalidGrant('code_verifier does not match the code_challenge');
}
