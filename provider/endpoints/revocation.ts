// POST /revoke (RFC 7009). The client authenticates as at the token endpoint (§2.1), names the
// token (and optionally token_type_hint), and the token, if it is one of ours issued to that
// client, stops working. Revoking a refresh token revokes its whole grant (§2.1: "SHOULD also
// invalidate all access tokens based on the same authorization grant"). Invalid or unknown tokens
// get 200 too (§2.2): the client cannot learn anything, and has nothing left to do.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateClient, InvalidClientAuth } from '../client-auth.ts';
import type { ClientConfig } from '../config.ts';
import type { ProviderContext } from '../context.ts';
import { InvalidRequest, OAuthError, UnauthorizedClient } from '../errors.ts';
import { readParams, sendJsonError } from '../http.ts';
import { annotate } from '../log.ts';
import { findToken, revokedAccessKey, type TokenInfo } from '../token-lookup.ts';
import { revokeGrant } from '../tokens.ts';

/** RFC 7009 §2.2.1: the presented token is of a type this server does not revoke (an ID Token). */
class UnsupportedTokenType extends OAuthError {
  constructor(description: string) { super('unsupported_token_type', description); }
}

export async function revocationEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  try {
    requireForm(req);
    const params = readParams(req.body);
    // §2.1: client authentication as at the token endpoint (fault revoke-requires-no-auth: none).
    const client = ctx.faults.on('revoke-requires-no-auth') && !req.headers.authorization && !params.client_secret && !params.client_assertion
      ? undefined
      : await authenticateClient(ctx, req, params);
    if (client) annotate(req, { client_id: client.client_id });
    if (!params.token) throw new InvalidRequest('token is required');
    const found = await findToken(ctx, params.token, params.token_type_hint);
    if (!found || found.inactive) {
      // §2.2: an invalid, expired or already revoked token is answered 200 (fault: 404).
      if (!found && ctx.faults.on('revoke-404-unknown-token')) return reply.code(404).send({ error: 'invalid_request', error_description: 'unknown token' });
      return ok(reply);
    }
    if (found.type === 'id_token') throw new UnsupportedTokenType('ID Tokens cannot be revoked here; revoke the access or refresh token');
    checkOwner(ctx, found, client);
    if (!ctx.faults.on('revoke-keeps-token')) await revoke(ctx, found);
    return ok(reply);
  } catch (e) {
    if (e instanceof InvalidClientAuth && e.basic) reply.header('www-authenticate', `Basic realm="${ctx.issuer}", charset="UTF-8"`);
    return sendJsonError(req, reply, e);
  }
}

function ok(reply: FastifyReply): FastifyReply {
  return reply.code(200).header('cache-control', 'no-store').header('content-type', 'application/json; charset=utf-8').send('{}');
}

// RFC 7009 §2.1: requests are application/x-www-form-urlencoded POSTs.
function requireForm(req: FastifyRequest): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new InvalidRequest('revocation requests must be application/x-www-form-urlencoded');
}

// RFC 7009 §2.1: "verifies whether the token was issued to the client making the revocation
// request. If this validation fails, the request is refused and the client is informed of the
// error" (fault revoke-other-clients-token: revoked anyway).
function checkOwner(ctx: ProviderContext, found: TokenInfo, client: ClientConfig | undefined): void {
  if (!client || found.clientId === client.client_id || ctx.faults.on('revoke-other-clients-token')) return;
  throw new UnauthorizedClient('the token was not issued to this client');
}

async function revoke(ctx: ProviderContext, found: TokenInfo): Promise<void> {
  if (found.type === 'refresh_token') {
    // §2.1: the grant's access tokens go with it (fault revoke-refresh-keeps-access: only the refresh token).
    if (ctx.faults.on('revoke-refresh-keeps-access')) await ctx.store.delete('refresh_token', found.refreshToken!);
    else {
      await revokeGrant(ctx, found.grantId!);
      await ctx.store.delete('refresh_token', found.refreshToken!);
    }
    return;
  }
  // An access token alone: its record moves aside (introspection still finds it, as revoked).
  const record = await ctx.store.get('access_token', found.jti!);
  const ttl = Math.max(1, (found.exp ?? 0) - Math.floor(Date.now() / 1000));
  await ctx.store.set('revoked_grant', revokedAccessKey(found.jti!), record, ttl);
  await ctx.store.delete('access_token', found.jti!);
}
