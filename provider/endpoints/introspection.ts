// POST /introspect (RFC 7662), with the RFC 9701 signed JWT response.
// The caller authenticates as a client (as at the token endpoint) or presents a bearer access
// token whose scope includes `introspect` (§2.1: "MUST require some form of authorization").
// A token that is revoked, expired, rotated out, unknown, not an access or refresh token, or (by
// policy, §4) issued to another client introspects as {"active": false} and nothing else.
import { introspectionDetails } from '../rar.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { SignJWT, UnsecuredJWT } from 'jose';
import { authenticateClient, InvalidClientAuth } from '../client-auth.ts';
import type { ProviderContext } from '../context.ts';
import { InvalidRequest, InvalidToken, OAuthError } from '../errors.ts';
import { readParams, sendJsonError } from '../http.ts';
import { annotate } from '../log.ts';
import { findToken, type TokenInfo } from '../token-lookup.ts';
import { verifyAccessToken } from '../tokens.ts';

export const INTROSPECTION_JWT = 'application/token-introspection+jwt';
/** The scope a bearer access token needs to call the introspection endpoint. */
export const INTROSPECT_SCOPE = 'introspect';

export async function introspectionEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  try {
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type !== 'application/x-www-form-urlencoded') throw new InvalidRequest('introspection requests must be application/x-www-form-urlencoded');
    const params = readParams(req.body);
    const caller = await callerOf(ctx, req, params);
    if (caller) annotate(req, { client_id: caller });
    if (!params.token) throw new InvalidRequest('token is required');
    const found = await findToken(ctx, params.token, params.token_type_hint);
    // §2.2: an unknown token is an answer (active false), not an error (fault: 400 invalid_token).
    if (!found && ctx.faults.on('introspect-unknown-token-error')) return sendJsonError(req, reply, new OAuthError('invalid_token', 'unknown token', 400));
    const body = answer(ctx, found, caller);
    // RFC 9701 §4: the JWT response when the caller asks for it with Accept.
    if (caller && acceptsJwt(req)) {
      const jwt = await signResponse(ctx, caller, body);
      return reply.code(200).header('cache-control', 'no-store').header('content-type', INTROSPECTION_JWT).send(jwt);
    }
    return reply.code(200).header('cache-control', 'no-store').header('content-type', 'application/json; charset=utf-8').send(body);
  } catch (e) {
    if (e instanceof InvalidClientAuth && e.basic) reply.header('www-authenticate', `Basic realm="${ctx.issuer}", charset="UTF-8"`);
    if (e instanceof InvalidToken) reply.header('www-authenticate', `Bearer error="invalid_token"`);
    return sendJsonError(req, reply, e);
  }
}

/**
 * RFC 7662 §2.1: who is asking. A bearer access token with the introspect scope, or client
 * authentication. Fault introspect-no-auth: a request with no credentials at all is served.
 */
async function callerOf(ctx: ProviderContext, req: FastifyRequest, params: Record<string, string | undefined>): Promise<string | undefined> {
  const header = req.headers.authorization ?? '';
  const bearer = /^Bearer +(\S+)$/i.exec(header);
  if (bearer) {
    const record = await verifyAccessToken(ctx, bearer[1]);
    if (!record.scope.split(' ').includes(INTROSPECT_SCOPE)) throw new InvalidToken(`the access token lacks the ${INTROSPECT_SCOPE} scope`);
    return record.clientId;
  }
  const anonymous = !header && !params.client_id && !params.client_secret && !params.client_assertion;
  if (anonymous && ctx.faults.on('introspect-no-auth')) return undefined;
  const client = await authenticateClient(ctx, req, params);
  // A bare client_id (a public client) is identification, not authorization.
  if (client.token_endpoint_auth_method === 'none') throw new InvalidClientAuth('introspection requires client authentication; public clients cannot introspect', false);
  return client.client_id;
}

// RFC 7662 §2.2: active plus what the server knows; inactive tokens say nothing else.
function answer(ctx: ProviderContext, found: TokenInfo | undefined, caller: string | undefined): Record<string, unknown> {
  if (!found || found.type === 'id_token') return { active: false };
  if (found.inactive === 'revoked' && !ctx.faults.on('introspect-revoked-active')) return { active: false };
  if (found.inactive === 'expired' && !ctx.faults.on('introspect-expired-active')) return { active: false };
  if (found.inactive === 'rotated') return { active: false };
  // §4 (policy): a client learns nothing about another client's tokens.
  if (caller !== undefined && found.clientId !== caller && !ctx.faults.on('introspect-other-clients-token')) return { active: false };
  const out: Record<string, unknown> = {
    active: true,
    scope: found.scope,
    client_id: found.clientId,
    token_type: found.type === 'refresh_token' ? 'refresh_token' : found.jkt ? 'DPoP' : 'Bearer',
    exp: found.exp,
    iat: found.iat,
    sub: found.sub,
    aud: found.aud,
    iss: ctx.issuer,
    jti: found.jti,
  };
  if (found.jkt) out.cnf = { jkt: found.jkt };
  Object.assign(out, introspectionDetails(ctx, found.authorizationDetails));
  // RFC 8705 §3.2: a certificate-bound token's thumbprint, as cnf.x5t#S256 (fault mtls-introspection-omit-cnf).
  if (found.x5t && !ctx.faults.on('mtls-introspection-omit-cnf')) out.cnf = { ...(out.cnf as object | undefined), 'x5t#S256': found.x5t };
  // RFC 7662 §2.2: client_id is the client the token was issued to (fault introspect-wrong-client-id).
  if (ctx.faults.on('introspect-wrong-client-id')) out.client_id = `${found.clientId}-other`;
  const user = found.sub ? ctx.users.find((u) => u.sub === found.sub) : undefined;
  if (user) out.username = user.username;
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

function acceptsJwt(req: FastifyRequest): boolean {
  return (req.headers.accept ?? '').split(',').some((t) => t.split(';')[0].trim().toLowerCase() === INTROSPECTION_JWT);
}

// RFC 9701 §5: a JWT with typ token-introspection+jwt, iss, aud (the caller), iat and the
// token_introspection claim holding the RFC 7662 response (fault introspect-jwt-unsigned: alg none).
async function signResponse(ctx: ProviderContext, caller: string, body: Record<string, unknown>): Promise<string> {
  const claims = { token_introspection: body };
  if (ctx.faults.on('introspect-jwt-unsigned')) {
    return new UnsecuredJWT(claims).setIssuer(ctx.issuer).setAudience(caller).setIssuedAt().encode();
  }
  // RFC 9701 §5: RS256 by default; FAPI 2.0 SP §5.4.1 (MS §5.5.1): PS256 for the fapi2 profile.
  // (fault introspect-jwt-fapi-rs256: RS256 under fapi2 too).
  const key = ctx.keys.forAlg(ctx.config.profile === 'fapi2' && !ctx.faults.on('introspect-jwt-fapi-rs256') ? 'PS256' : 'RS256');
  // RFC 9701 §5: typ token-introspection+jwt (fault introspect-jwt-wrong-typ: a plain JWT),
  // aud the caller (fault introspect-jwt-wrong-aud: another client).
  const typ = ctx.faults.on('introspect-jwt-wrong-typ') ? 'JWT' : 'token-introspection+jwt';
  const aud = ctx.faults.on('introspect-jwt-wrong-aud') ? `${caller}-other` : caller;
  return new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid, typ }).setIssuer(ctx.issuer).setAudience(aud).setIssuedAt().sign(key.privateKey);
}
