// POST /token (RFC 6749 §3.2, §5). Every response, success or error, carries
// Cache-Control: no-store and Pragma: no-cache (set by the onSend hook in server.ts via noStore).
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateClient, InvalidClientAuth } from '../client-auth.ts';
import type { ProviderContext } from '../context.ts';
import { InvalidRequest, UnsupportedGrantType } from '../errors.ts';
import { readParams, sendJsonError } from '../http.ts';
import { annotate } from '../log.ts';
import { TOKEN_KINDS } from '../metrics.ts';
import { authorizationCodeGrant } from '../grants/authorization_code.ts';
import { refreshTokenGrant } from '../grants/refresh_token.ts';
import { clientCredentialsGrant } from '../grants/client_credentials.ts';
import { passwordGrant } from '../grants/password.ts';
import { markDpopTokenType, tokenRequestBinding } from '../dpop.ts';
import { withTokenBinding } from '../tokens.ts';
import { DEVICE_CODE_GRANT, deviceCodeGrant } from '../grants/device_code.ts';
import { CIBA_GRANT, cibaGrant } from '../grants/ciba.ts';

export const GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials', 'password', DEVICE_CODE_GRANT, CIBA_GRANT] as const;

/** The grant types this provider serves: the password grant only when the config enables it (RFC 9700 §2.4). */
export function grantTypesSupported(ctx: ProviderContext): string[] {
  const passwordOn = ctx.config.password_grant || ctx.faults.on('password-grant-on-by-default');
  return GRANT_TYPES.filter((g) => g !== 'password' || passwordOn);
}

export async function tokenEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  try {
    // RFC 6749 §3.2: POST only; server.ts answers GET 405 (fault token-accept-get: GET served from the query).
    const get = req.method === 'GET';
    if (!get) checkContentType(req);
    const source = get ? req.query : req.body;
    const params = readParams(ctx.faults.on('token-accept-duplicate-params') ? firstValues(source) : source);
    // RFC 6749 §2.3.1: client credentials MUST NOT be in the request URI; the query is not read
    // (fault token-accept-credentials-in-query: client_id / client_secret taken from it).
    if (!get && ctx.faults.on('token-accept-credentials-in-query')) {
      const q = (req.query ?? {}) as Record<string, unknown>;
      for (const k of ['client_id', 'client_secret']) if (params[k] === undefined && typeof q[k] === 'string') params[k] = q[k] as string;
    }
    // RFC 6749 §3.2: unrecognized parameters MUST be ignored (fault: refused).
    const unknown = Object.keys(params).filter((k) => !KNOWN_PARAMS.has(k));
    if (ctx.faults.on('token-refuse-unknown-params') && unknown.length) throw new InvalidRequest(`unknown parameter ${unknown[0]}`);
    if (params.client_id) annotate(req, { client_id: params.client_id });
    checkGrantType(ctx, params.grant_type);
    const client = await authenticateClient(ctx, req, params);
    annotate(req, { client_id: client.client_id });
    // RFC 9449 §5, §6: a DPoP proof binds the tokens issued; RFC 8707: resource sets the audience.
    const binding = await tokenRequestBinding(ctx, req, client, params);
    const body = await withTokenBinding(binding, async () => params.grant_type === 'refresh_token' ? await refreshTokenGrant(ctx, client, params)
      : params.grant_type === 'client_credentials' ? await clientCredentialsGrant(ctx, client, params)
      : params.grant_type === 'password' ? await passwordGrant(ctx, client, params)
      : params.grant_type === DEVICE_CODE_GRANT ? await deviceCodeGrant(ctx, client, params)
      : params.grant_type === CIBA_GRANT ? await cibaGrant(ctx, client, params)
      : await authorizationCodeGrant(ctx, client, params));
    markDpopTokenType(ctx, binding, body);
    // RFC 6749 §5.1: token_type is REQUIRED in a successful response (fault: omitted).
    if (ctx.faults.on('token-response-omit-token-type')) delete body.token_type;
    // Metrics: tokens issued per grant type and kind (server.ts counts them when the answer is sent).
    annotate(req, { grant_type: params.grant_type, issued: TOKEN_KINDS.filter((k) => typeof body[k] === 'string') });
    return reply.code(200).header('content-type', 'application/json; charset=utf-8').send(body);
  } catch (e) {
    // RFC 6749 §5.2: a client that tried HTTP Basic gets 401 with WWW-Authenticate.
    if (e instanceof InvalidClientAuth && e.basic) reply.header('www-authenticate', `Basic realm="${ctx.issuer}", charset="UTF-8"`);
    return sendJsonError(req, reply, e);
  }
}

/** Every parameter some grant or client authentication method here reads (for token-refuse-unknown-params). */
const KNOWN_PARAMS = new Set(['grant_type', 'code', 'redirect_uri', 'code_verifier', 'refresh_token', 'scope', 'username', 'password', 'device_code', 'auth_req_id',
  'client_id', 'client_secret', 'client_assertion', 'client_assertion_type', 'resource', 'audience']);

/** Faults authorize-, token- and device-accept-duplicate-params: a repeated parameter's first value, as a lax parser reads it. */
export function firstValues(body: unknown): unknown {
  if (typeof body !== 'object' || body === null) return body;
  return Object.fromEntries(Object.entries(body as Record<string, unknown>).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
}

// RFC 6749 §3.2: token requests are application/x-www-form-urlencoded.
function checkContentType(req: FastifyRequest): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new InvalidRequest('token requests must be application/x-www-form-urlencoded');
}

// RFC 6749 §5.2: grant_type is required; unknown types are unsupported_grant_type.
function checkGrantType(ctx: ProviderContext, grantType: string | undefined): void {
  if (!grantType) throw new InvalidRequest('grant_type is required');
  if (!grantTypesSupported(ctx).includes(grantType)) throw new UnsupportedGrantType(`grant_type ${grantType} is not supported`);
}

// RFC 6749 §5.1: token responses (and errors, §5.2) must not be cached.
export function noStore(ctx: ProviderContext, reply: FastifyReply): void {
  if (ctx.faults.on('omit-cache-control')) return;
  reply.header('cache-control', 'no-store');
  if (!ctx.faults.on('token-omit-pragma')) reply.header('pragma', 'no-cache');
}
