// OpenID Connect CIBA Core 1.0, poll mode: POST /bc-authorize (§7.1 authentication request, §7.3
// acknowledgement, §13 errors), and the approval path a plan can drive in place of the End-User's
// authentication device: POST /admin/ciba/approve and /admin/ciba/deny with
// `Authorization: Bearer <admin_token>` and `auth_req_id` (form or JSON). Without admin_token in the
// config the approval endpoints do not exist (404).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, jwtVerify, type JWK } from 'jose';
import type { ClientConfig } from '../config.ts';
import { authenticateClient, InvalidClientAuth } from '../client-auth.ts';
import { SCOPES_SUPPORTED, findClient, type ProviderContext } from '../context.ts';
import { InvalidRequest, InvalidToken, OAuthError, UnauthorizedClient } from '../errors.ts';
import { randomToken, readParams, safeEqual, sendJsonError, type Params } from '../http.ts';
import { annotate } from '../log.ts';
import { requireGrantType } from '../grants/grant-types.ts';
import { CIBA_GRANT, FAPI_CIBA_ALGS, isFapiCiba, type CibaGrant } from '../grants/ciba.ts';
import { isPingClient, NOTIFICATION_TOKEN, NOTIFICATION_TOKEN_MAX, sendPing } from '../grants/ciba-ping.ts';
import { checkScope, newPolledGrant, saveGrant } from '../grants/polling.ts';

/** CIBA §7.1: binding_message SHOULD be short; longer ones are refused (§13 invalid_binding_message). */
export const BINDING_MESSAGE_MAX = 64;

export async function backchannelAuthenticationEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  reply.header('cache-control', 'no-store');
  try {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') throw new InvalidRequest('backchannel authentication requests must be application/x-www-form-urlencoded');
    const outer = readParams(req.body);
    if (outer.client_id) annotate(req, { client_id: outer.client_id });
    const client = await authenticate(ctx, req, outer);
    annotate(req, { client_id: client.client_id });
    // CIBA §4: only confidential clients; §7.1: the client registered for the CIBA grant.
    if (client.token_endpoint_auth_method === 'none') throw new UnauthorizedClient('CIBA is for confidential clients only');
    requireGrantType(client, CIBA_GRANT);
    // FAPI-CIBA ID1 §5.2.2-6: a FAPI-CIBA client's requests must be signed (§7.1.1); plain
    // parameters without `request` are refused (fault fapi-ciba-accept-unsigned-request).
    const fapi = isFapiCiba(ctx, client);
    if (fapi && outer.request === undefined && !ctx.faults.on('fapi-ciba-accept-unsigned-request')) throw new InvalidRequest('a FAPI-CIBA client must send a signed authentication request (request)');
    // §7.1.1: a signed authentication request carries every parameter in its `request` object.
    const params = outer.request !== undefined ? await requestObjectParams(ctx, client, outer.request, fapi) : outer;
    // §7.1: scope is REQUIRED and contains openid.
    const scope = checkScope(params.scope, SCOPES_SUPPORTED, true, client);
    const sub = await resolveHint(ctx, params);
    const bindingMessage = checkBindingMessage(ctx, params.binding_message);
    const expiresIn = requestedExpiry(ctx, params.requested_expiry);
    const notificationToken = checkNotificationToken(ctx, client, params.client_notification_token);
    // §7.3: auth_req_id has at least 128 bits of entropy (here 256).
    const authReqId = randomToken(32);
    const grant: CibaGrant = { ...newPolledGrant(ctx, { clientId: client.client_id, scope, expiresIn, sub }), bindingMessage, ...(notificationToken ? { notificationToken } : {}) };
    await saveGrant(ctx, 'ciba_request', authReqId, grant);
    ctx.log(JSON.stringify({ msg: 'ciba request', client_id: client.client_id, sub, binding_message: bindingMessage ?? null, expires_in: expiresIn }));
    return reply.code(200).header('content-type', 'application/json; charset=utf-8').send({
      auth_req_id: authReqId,
      // CIBA §7.3: expires_in is REQUIRED (fault: omitted).
      ...(ctx.faults.on('ciba-response-omit-expires-in') ? {} : { expires_in: expiresIn }),
      interval: ctx.config.polling_interval,
    });
  } catch (e) {
    if (e instanceof InvalidClientAuth && e.basic) reply.header('www-authenticate', `Basic realm="${ctx.issuer}", charset="UTF-8"`);
    return sendJsonError(req, reply, e);
  }
}

// §7.1: the client authenticates with its registered method (fault: a bare client_id is enough).
async function authenticate(ctx: ProviderContext, req: FastifyRequest, params: Params) {
  const bare = params.client_id !== undefined && params.client_assertion === undefined && params.client_secret === undefined && req.headers.authorization === undefined;
  if (bare && ctx.faults.on('ciba-skip-client-auth')) {
    const c = await findClient(ctx, params.client_id as string);
    if (c) return c;
  }
  return authenticateClient(ctx, req, params);
}

/** FAPI-CIBA ID1 §5.2.2-9: a signed request lives at most 60 minutes (seconds). */
const FAPI_CIBA_MAX_LIFETIME = 3600;

/** §7.1.1: the algorithms a request object may be signed with (advertised in discovery). */
export const REQUEST_OBJECT_ALGS = ['PS256', 'ES256', 'RS256', 'EdDSA'];

// §7.1.1: verify the signed authentication request (signature with the client's registered keys,
// aud, iss, exp, iat, nbf, jti) and read its parameters. Failures are invalid_request (§13).
async function requestObjectParams(ctx: ProviderContext, client: ClientConfig, jwt: string, fapi: boolean): Promise<Params> {
  const f = ctx.faults;
  // FAPI 1.0 Advanced §8.6 (FAPI-CIBA ID1 §5.2.2): PS256 or ES256 only for a FAPI-CIBA client.
  const algs = fapi && !f.on('fapi-ciba-accept-rs256-request-object') ? FAPI_CIBA_ALGS : REQUEST_OBJECT_ALGS;
  let claims: Record<string, unknown>;
  try {
    claims = decodeJwt(jwt) as Record<string, unknown>;
  } catch {
    throw new InvalidRequest('request is not a JWT');
  }
  let alg: unknown;
  try {
    alg = decodeProtectedHeader(jwt).alg;
  } catch {
    throw new InvalidRequest('request has no readable JOSE header');
  }
  // The FAPI algorithm policy is its own rule, also when the signature itself goes unchecked (fault
  // ciba-request-object-skip-signature).
  if (fapi && !f.on('fapi-ciba-accept-rs256-request-object') && (typeof alg !== 'string' || !FAPI_CIBA_ALGS.includes(alg))) throw new InvalidRequest(`request must be signed with one of ${FAPI_CIBA_ALGS.join(', ')} (alg ${String(alg)})`);
  if (!f.on('ciba-request-object-skip-signature')) {
    if (typeof alg !== 'string' || !algs.includes(alg)) throw new InvalidRequest(`request must be signed with one of ${algs.join(', ')} (alg ${String(alg)})`);
    if (!client.jwks) throw new InvalidRequest('the client has no registered keys to verify a signed request with');
    try {
      await compactVerify(jwt, createLocalJWKSet({ keys: client.jwks.keys as JWK[] }), { algorithms: algs });
    } catch {
      throw new InvalidRequest('request signature does not verify with the client\'s registered keys');
    }
  }
  if (!f.on('ciba-request-object-ignore-aud-iss')) {
    const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (!aud.includes(ctx.issuer)) throw new InvalidRequest('request aud must contain the issuer');
    if (claims.iss !== client.client_id) throw new InvalidRequest('request iss must be the client_id');
  }
  if (!f.on('ciba-request-object-ignore-claims')) {
    for (const c of ['exp', 'iat', 'nbf']) if (typeof claims[c] !== 'number') throw new InvalidRequest(`request ${c} is required (a number)`);
    if (typeof claims.jti !== 'string' || claims.jti === '') throw new InvalidRequest('request jti is required');
    const now = Math.floor(Date.now() / 1000);
    const skew = 10;
    if ((claims.exp as number) <= now - skew) throw new InvalidRequest('request has expired (exp)');
    if ((claims.nbf as number) > now + skew) throw new InvalidRequest('request is not valid yet (nbf)');
    if ((claims.iat as number) > now + skew) throw new InvalidRequest('request iat is in the future');
  }
  // FAPI-CIBA ID1 §5.2.2-9: nbf and exp limit the request's lifetime to 60 minutes; FAPI 1.0
  // Advanced §5.2.2-17: nbf no longer than 60 minutes in the past (fault fapi-ciba-ignore-request-lifetime).
  if (fapi && !f.on('fapi-ciba-ignore-request-lifetime')) {
    const { exp, nbf } = claims as { exp?: unknown; nbf?: unknown };
    if (typeof exp !== 'number' || typeof nbf !== 'number') throw new InvalidRequest('a FAPI-CIBA request needs nbf and exp');
    if (exp - nbf > FAPI_CIBA_MAX_LIFETIME) throw new InvalidRequest('request lifetime (exp - nbf) exceeds 60 minutes');
    if (nbf < Math.floor(Date.now() / 1000) - FAPI_CIBA_MAX_LIFETIME) throw new InvalidRequest('request nbf is more than 60 minutes in the past');
  }
  const params: Params = {};
  for (const [k, v] of Object.entries(claims)) {
    if (['iss', 'aud', 'exp', 'iat', 'nbf', 'jti'].includes(k) || v === null || v === undefined) continue;
    // §7.1.1: requested_expiry may be a number or a string there.
    if (typeof v === 'string') params[k] = v;
    else if (typeof v === 'number' && Number.isInteger(v)) params[k] = String(v);
    else throw new InvalidRequest(`request claim ${k} must be a string`);
  }
  return params;
}

// §7.1: exactly one of login_hint_token, id_token_hint, login_hint (fault: several accepted, login_hint wins).
async function resolveHint(ctx: ProviderContext, params: Params): Promise<string> {
  const hints = (['login_hint_token', 'id_token_hint', 'login_hint'] as const).filter((h) => params[h] !== undefined);
  if (hints.length === 0) throw new InvalidRequest('one of login_hint_token, id_token_hint or login_hint is required');
  if (hints.length > 1 && !ctx.faults.on('ciba-accept-multiple-hints')) throw new InvalidRequest(`only one hint may be sent, got ${hints.join(', ')}`);
  if (params.login_hint !== undefined) {
    const user = ctx.users.find((u) => u.username === params.login_hint || u.sub === params.login_hint);
    // §13: unknown_user_id when the hint names no End-User.
    if (!user) throw new OAuthError('unknown_user_id', 'login_hint names no known End-User');
    return user.sub;
  }
  if (params.id_token_hint !== undefined) {
    try {
      const { payload } = await jwtVerify(params.id_token_hint, ctx.keys.verifyKeys, { issuer: ctx.issuer, algorithms: ctx.keys.algs, clockTolerance: 86400 * 365 });
      if (typeof payload.sub === 'string' && ctx.users.some((u) => u.sub === payload.sub)) return payload.sub;
    } catch {
      // fall through
    }
    throw new InvalidRequest('id_token_hint is not an ID Token issued by this OP for a known End-User');
  }
  throw new InvalidRequest('login_hint_token is not supported; send login_hint or id_token_hint');
}

// §7.1: a short human-readable message shown on both devices (fault: every message refused).
function checkBindingMessage(ctx: ProviderContext, msg: string | undefined): string | undefined {
  if (msg === undefined) return undefined;
  if (ctx.faults.on('ciba-refuse-binding-message')) throw new OAuthError('invalid_binding_message', 'binding_message is not accepted');
  // eslint-disable-next-line no-control-regex
  if ([...msg].length > BINDING_MESSAGE_MAX || /[\u0000-\u001f\u007f]/.test(msg)) {
    throw new OAuthError('invalid_binding_message', `binding_message must be at most ${BINDING_MESSAGE_MAX} characters of plain text`);
  }
  return msg;
}

// §7.1: client_notification_token is REQUIRED for a ping-mode client, an RFC 6750 §2.1 bearer token
// of at most 1024 characters (fault ciba-ping-accept-bad-token: any value, or none, is accepted).
// A poll-mode client's token is ignored.
function checkNotificationToken(ctx: ProviderContext, client: ClientConfig, token: string | undefined): string | undefined {
  if (!isPingClient(client)) return undefined;
  if (ctx.faults.on('ciba-ping-accept-bad-token')) return token ?? '';
  if (token === undefined || token === '') throw new InvalidRequest('client_notification_token is required for a client registered in ping mode');
  if (token.length > NOTIFICATION_TOKEN_MAX || !NOTIFICATION_TOKEN.test(token)) throw new InvalidRequest(`client_notification_token must be an RFC 6750 bearer token of at most ${NOTIFICATION_TOKEN_MAX} characters`);
  return token;
}

// §7.1: requested_expiry is a positive integer (always a string in a form body); the OP may cap it.
function requestedExpiry(ctx: ProviderContext, raw: string | undefined): number {
  const max = ctx.config.ttl.auth_req_id;
  if (raw === undefined) return max;
  if (!/^[1-9]\d{0,8}$/.test(raw.trim())) throw new InvalidRequest('requested_expiry must be a positive integer');
  return Math.min(Number(raw.trim()), max);
}

// ------------------------------------------------------------------ approval path

export async function cibaDecisionEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const token = ctx.config.admin_token;
  const decision = (req.params as { decision?: string }).decision;
  if (token === undefined || (decision !== 'approve' && decision !== 'deny')) {
    return reply.code(404).send({ error: 'not_found', error_description: `no endpoint ${req.method} /admin/ciba/${decision ?? ''}` });
  }
  reply.header('cache-control', 'no-store');
  try {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!m || !safeEqual(m[1], token)) {
      reply.header('www-authenticate', 'Bearer realm="admin"');
      throw new InvalidToken('a valid admin token is required');
    }
    const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
    const id = typeof body.auth_req_id === 'string' ? body.auth_req_id : '';
    if (!id) throw new InvalidRequest('auth_req_id is required');
    const grant = await ctx.store.get<CibaGrant>('ciba_request', id);
    if (!grant || Date.now() >= grant.expiresAt) throw new InvalidRequest('auth_req_id is unknown or expired');
    if (grant.status !== 'pending') throw new InvalidRequest(`the request was already ${grant.status === 'denied' ? 'denied' : 'approved'}`);
    annotate(req, { client_id: grant.clientId });
    grant.status = decision === 'approve' ? 'approved' : 'denied';
    grant.authTime = Math.floor(Date.now() / 1000);
    await saveGrant(ctx, 'ciba_request', id, grant);
    // §10.2: a ping-mode client is told the result is ready (approved or denied) at its notification endpoint.
    const client = await findClient(ctx, grant.clientId);
    const ping = client && isPingClient(client) ? await sendPing(ctx, client, id, grant.notificationToken ?? '') : undefined;
    return reply.code(200).header('content-type', 'application/json; charset=utf-8').send({ auth_req_id: id, status: grant.status, binding_message: grant.bindingMessage ?? null, ...(ping ? { ping } : {}) });
  } catch (e) {
    return sendJsonError(req, reply, e);
  }
}
