// GET|POST /userinfo (OIDC Core §5.3; bearer usage RFC 6750 §2.1, §2.2, §3).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { requestedClaims, scopeClaims } from '../claims.ts';
import type { ProviderContext } from '../context.ts';
import { InsufficientScope, InvalidRequest, OAuthError } from '../errors.ts';
import { asOAuthError } from '../http.ts';
import { annotate } from '../log.ts';
import { verifyAccessToken } from '../tokens.ts';
import { authorizationToken, checkDpopPresentation } from '../dpop.ts';
import { checkCertificatePresentation } from '../mtls.ts';

/** No token at all: RFC 6750 §3.1 says the challenge carries no error code. */
class MissingToken extends OAuthError {
  constructor() { super('', 'no access token', 401); }
}

export async function userinfoEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  // OIDC Core §5.3.1: the UserInfo endpoint supports GET and POST.
  if (req.method === 'POST' && ctx.faults.on('userinfo-rejects-post')) {
    return reply.code(405).header('allow', 'GET').send({ error: 'invalid_request', error_description: 'POST is not allowed' });
  }
  try {
    const token = extractToken(req);
    // RFC 9110 §11.1: the authentication scheme is case-insensitive (fault auth-scheme-case-sensitive).
    if (ctx.faults.on('auth-scheme-case-sensitive') && /^(?!Bearer |DPoP )/.test(req.headers.authorization ?? 'Bearer ')) throw new InvalidRequest('Authorization header must use the Bearer or DPoP scheme');
    // RFC 6750 §2.2, §3.1: a form-body token is validated like a header one (fault userinfo-body-token-as-no-token).
    const bodyTokenAsNone = ctx.faults.on('userinfo-body-token-as-no-token') && req.headers.authorization === undefined;
    const record = await verifyAccessToken(ctx, token).catch((e: unknown) => { throw bodyTokenAsNone ? new MissingToken() : e; });
    // RFC 9449 §7: a DPoP-bound token needs the DPoP scheme and a proof (fault userinfo-refuse-dpop: DPoP refused).
    const scheme = authorizationToken(req)?.scheme ?? 'Bearer';
    if (scheme === 'DPoP' && ctx.faults.on('userinfo-refuse-dpop')) throw new InvalidRequest('Authorization header must use the Bearer scheme');
    await checkDpopPresentation(ctx, req, { scheme, token, jkt: record.jkt, htu: `${ctx.issuer}/userinfo` });
    // RFC 8705 §3: a certificate-bound token needs the same TLS client certificate.
    checkCertificatePresentation(ctx, req, record.x5t);
    annotate(req, { client_id: record.clientId });
    const scopes = record.scope.split(' ');
    if (!scopes.includes('openid')) throw new InsufficientScope('the access token was not issued for openid');
    const user = ctx.users.find((u) => u.sub === record.sub);
    if (!user) throw new InsufficientScope('the End-User no longer exists');
    // OIDC Core §5.4 (scope claims) and §5.5 (claims requested for userinfo).
    const claims: Record<string, unknown> = { ...scopeClaims(ctx, record.scope, user), ...requestedClaims(record.userinfoClaims, user) };
    // OIDC Core §5.3.2: sub is exactly the ID Token's sub.
    claims.sub = ctx.faults.on('userinfo-wrong-sub') ? `${user.sub}-other` : user.sub;
    // OIDC Core §5.3.2: the sub Claim MUST always be returned (fault: omitted).
    if (ctx.faults.on('userinfo-omit-sub')) delete claims.sub;
    return reply.code(200).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send(claims);
  } catch (e) {
    return sendBearerError(ctx, req, reply, e);
  }
}

// RFC 6750 §2: header (GET or POST) or form body (POST only, form-encoded); never more than one.
function extractToken(req: FastifyRequest): string {
  const header = req.headers.authorization;
  let fromBody: unknown;
  if (req.method === 'POST' && req.body && typeof req.body === 'object') fromBody = (req.body as Record<string, unknown>).access_token;
  if (fromBody !== undefined && (typeof fromBody !== 'string' || (req.headers['content-type'] ?? '').split(';')[0].trim() !== 'application/x-www-form-urlencoded')) {
    throw new InvalidRequest('access_token in the body must be a single form-encoded value');
  }
  if (header !== undefined && fromBody !== undefined) throw new InvalidRequest('the access token must be sent one way only');
  if (header !== undefined) {
    const m = /^(?:Bearer|DPoP) +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(header);
    if (!m) throw new InvalidRequest('Authorization header must use the Bearer or DPoP scheme');
    return m[1];
  }
  if (typeof fromBody === 'string' && fromBody !== '') return fromBody;
  throw new MissingToken();
}

// RFC 6750 §3: refusals carry WWW-Authenticate: Bearer (with error only when there was a token).
function sendBearerError(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply, e: unknown): FastifyReply {
  const err = asOAuthError(e);
  // RFC 9449 §7.1: DPoP failures (and requests made with DPoP) get a DPoP challenge.
  const dpop = err.error === 'invalid_dpop_proof' || err.error === 'use_dpop_nonce' || authorizationToken(req)?.scheme === 'DPoP';
  for (const [k, v] of Object.entries(err.headers ?? {})) reply.header(k, v);
  const challenge = err instanceof MissingToken ? 'Bearer' : `${dpop ? 'DPoP' : 'Bearer'} error="${err.error}", error_description="${err.message.replace(/["\\]/g, '')}"`;
  if (err.status < 500 && !ctx.faults.on('userinfo-no-www-authenticate')) reply.header('www-authenticate', challenge);
  if (err instanceof MissingToken) return reply.code(401).header('cache-control', 'no-store').send();
  annotate(req, { error: err.error });
  return reply.code(err.status).header('cache-control', 'no-store').send({ error: err.error, error_description: err.message });
}
