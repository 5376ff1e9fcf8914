// Opaque access tokens (config access_token_format: opaque, globally or per client): a random
// handle that carries no information; its meaning lives only in the store, under the JWT record's
// jti, so userinfo, introspection and revocation treat both formats alike.
import { createHash } from 'node:crypto';
import type { AccessTokenFormat } from './config.ts';
import { findClient, type ProviderContext } from './context.ts';
import { InvalidToken } from './errors.ts';
import { randomToken } from './http.ts';
import { tokenBytes } from './faults.ts';

/** What an opaque handle stands for: the access token record's jti plus the times a JWT would carry. */
export interface OpaqueHandle { jti: string; iat: number; exp: number; aud: string }

export async function accessTokenFormat(ctx: ProviderContext, clientId: string): Promise<AccessTokenFormat> {
  return (await findClient(ctx, clientId))?.access_token_format ?? ctx.config.access_token_format;
}

/** Handles are stored by hash: a store dump does not hold usable tokens. */
const keyOf = (handle: string) => `opaque:${createHash('sha256').update(handle).digest('base64url')}`;

/** An opaque token is not three base64url segments: a JWT always is. */
export function isOpaque(token: string): boolean {
  return token.split('.').length !== 3;
}

/** Issue a handle for the access token record `jti`; kept past exp so expiry can be told from unknown. */
export async function issueOpaqueHandle(ctx: ProviderContext, h: OpaqueHandle): Promise<string> {
  // RFC 6749 §10.10: at most a 2^-128 (SHOULD 2^-160) chance to guess (faults: 96 and 136 bits).
  const handle = randomToken(tokenBytes(ctx.faults));
  await ctx.store.set('access_token', keyOf(handle), h, Math.max(1, h.exp - Math.floor(Date.now() / 1000)) + 300);
  return handle;
}

export async function resolveOpaqueHandle(ctx: ProviderContext, handle: string): Promise<OpaqueHandle | undefined> {
  return ctx.store.get<OpaqueHandle>('access_token', keyOf(handle));
}

/** The record jti behind a live opaque handle (invalid_token when unknown or expired). */
export async function opaqueJti(ctx: ProviderContext, handle: string): Promise<string> {
  const h = await resolveOpaqueHandle(ctx, handle);
  if (!h) throw new InvalidToken('access token is invalid');
  if (h.exp <= Math.floor(Date.now() / 1000)) throw new InvalidToken('access token is expired');
  return h.jti;
}
