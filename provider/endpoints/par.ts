// POST /par: pushed authorization requests (RFC 9126). The client authenticates as at the token
// endpoint, the request is validated as /authorize would, and a short-lived request_uri comes back.
import { tokenBytes } from '../faults.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateClient, InvalidClientAuth } from '../client-auth.ts';
import { endpoint, type ProviderContext } from '../context.ts';
import { verifyDpopProof } from '../dpop.ts';
import { InvalidDpopProof, InvalidRequest, OAuthError } from '../errors.ts';
import { REQUEST_URI_PREFIX, type PushedRequest } from '../fapi.ts';
import { randomToken, readParams, sendJsonError, type Params } from '../http.ts';
import { annotate } from '../log.ts';
import { validatePushedParams } from './authorization.ts';
import { resolveRequestObject } from '../request-object.ts';

/** Client authentication parameters: not part of the authorization request that is stored. */
const AUTH_PARAMS = ['client_secret', 'client_assertion', 'client_assertion_type'];

export async function parEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  reply.header('cache-control', 'no-store');
  try {
    // RFC 9126 §2: the request is a POST (fault par-accept-get: GET with query parameters is served).
    if (req.method !== 'POST' && !ctx.faults.on('par-accept-get')) {
      annotate(req, { error: 'invalid_request' });
      return reply.code(405).header('allow', 'POST').send({ error: 'invalid_request', error_description: 'the pushed authorization request endpoint accepts POST only' });
    }
    if (req.method === 'POST') checkContentType(req);
    const params = readPushedParams(ctx, req.method === 'POST' ? req.body : req.query);
    if (params.client_id) annotate(req, { client_id: params.client_id });
    const client = await authenticateClient(ctx, req, params, 'par');
    annotate(req, { client_id: client.client_id });
    // RFC 9126 §2.1: request_uri MUST NOT be provided in a pushed request.
    if (params.request_uri !== undefined && !ctx.faults.on('par-accept-request-uri-param')) throw new InvalidRequest('request_uri must not be sent to the pushed authorization request endpoint');
    let authz: Params = Object.fromEntries(Object.entries(params).filter(([k]) => !AUTH_PARAMS.includes(k)));
    delete authz.request_uri;
    // RFC 9126 §3: a request object in the pushed request stands for it (RFC 9101 §6.3); a
    // client_id sent beside it must be the authenticated client's.
    if (authz.client_id !== undefined && authz.client_id !== client.client_id) throw new InvalidRequest('client_id does not match the authenticated client');
    authz.client_id = client.client_id;
    authz = await resolveRequestObject(ctx, client, authz);
    validatePushedParams(ctx, client, authz);
    await bindDpopKey(ctx, req, authz);
    // RFC 9126 §2.2: 201 with a one-time request_uri and its lifetime.
    const ttl = ctx.config.ttl.par;
    const requestUri = `${REQUEST_URI_PREFIX}${randomToken(tokenBytes(ctx.faults))}`;
    const record: PushedRequest = { clientId: client.client_id, params: authz, expiresAt: Date.now() + ttl * 1000 };
    await ctx.store.set('par', requestUri, record, ttl + 300);
    return reply
      .code(ctx.faults.on('par-response-200') ? 200 : 201)
      .header('content-type', 'application/json; charset=utf-8')
      .send({ request_uri: requestUri, expires_in: ttl });
  } catch (e) {
    if (e instanceof InvalidClientAuth && e.basic) reply.header('www-authenticate', `Basic realm="${ctx.issuer}", charset="UTF-8"`);
    // RFC 6749 §5.2 (RFC 9126 §2.3): error_description excludes '"' and '\\', whatever the message's source.
    if (e instanceof OAuthError && /["\\]/.test(e.message)) e.message = e.message.replace(/["\\]/g, "'");
    return sendJsonError(req, reply, e);
  }
}

// RFC 9126 §2.1: the request is application/x-www-form-urlencoded.
function checkContentType(req: FastifyRequest): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new InvalidRequest('pushed authorization requests must be application/x-www-form-urlencoded');
}

// RFC 9126 §2.1 / RFC 6749 §3.1: parameters MUST NOT be included more than once (fault
// par-accept-duplicate-params: the first value is used).
function readPushedParams(ctx: ProviderContext, source: unknown): Params {
  if (source && typeof source === 'object' && ctx.faults.on('par-accept-duplicate-params')) {
    const firsts = Object.entries(source as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]);
    return readParams(Object.fromEntries(firsts));
  }
  return readParams(source);
}

// RFC 9449 §10.1: a DPoP proof at the PAR endpoint binds the future code to its key: without
// dpop_jkt the proof's thumbprint is stored as dpop_jkt; with both, they must match.
async function bindDpopKey(ctx: ProviderContext, req: FastifyRequest, authz: Params): Promise<void> {
  const proof = await verifyDpopProof(ctx, req, { htm: 'POST', htu: endpoint(ctx, '/par') });
  if (!proof) return;
  if (authz.dpop_jkt === undefined) authz.dpop_jkt = proof.jkt;
  else if (authz.dpop_jkt !== proof.jkt) throw new InvalidDpopProof('dpop_jkt does not match the key of the DPoP proof', 400);
}
