// POST /token (RFC 6749 §3.2, §5). Every response, success or error, carries
// Cache-Control: no-store and Pragma: no-cache (set by the onSend hook in server.ts via noStore).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateClient, InvalidClientAuth } from '../client-auth.ts';
import type { ProviderContext } from '../context.ts';
import { InvalidRequest, UnsupportedGrantType } from '../errors.ts';
import { readParams, sendJsonError } from '../http.ts';
import { annotate } from '../log.ts';
import { authorizationCodeGrant } from '../grants/authorization_code.ts';
import { refreshTokenGrant } from '../grants/refresh_token.ts';

export const GRANT_TYPES = ['authorization_code', 'refresh_token'] as const;

export async function tokenEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  try {
    checkContentType(req);
    const params = readParams(req.body);
    if (params.client_id) annotate(req, { client_id: params.client_id });
    checkGrantType(params.grant_type);
    const client = await authenticateClient(ctx, req, params);
    annotate(req, { client_id: client.client_id });
    const body = params.grant_type === 'refresh_token' ? await refreshTokenGrant(ctx, client, params) : await authorizationCodeGrant(ctx, client, params);
    return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(body);
  } catch (e) {
    // RFC 6749 §5.2: a client that tried HTTP Basic gets 401 with WWW-Authenticate.
    if (e instanceof InvalidClientAuth && e.basic) reply.header('www-authenticate', `Basic realm="${ctx.issuer}", charset="UTF-8"`);
    return sendJsonError(req, reply, e);
  }
}

// RFC 6749 §3.2: token requests are application/x-www-form-urlencoded.
function checkContentType(req: FastifyRequest): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new InvalidRequest('token requests must be application/x-www-form-urlencoded');
}

// RFC 6749 §5.2: grant_type is required; unknown types are unsupported_grant_type.
function checkGrantType(grantType: string | undefined): void {
  if (!grantType) throw new InvalidRequest('grant_type is required');
  if (!(GRANT_TYPES as readonly string[]).includes(grantType)) throw new UnsupportedGrantType(`grant_type ${grantType} is not supported`);
}

// RFC 6749 §5.1: token responses (and errors, §5.2) must not be cached.
export function noStore(ctx: ProviderContext, reply: FastifyReply): void {
  if (ctx.faults.on('omit-cache-control')) return;
  reply.header('cache-control', 'no-store').header('pragma', 'no-cache');
}
