// RP-Initiated Logout 1.0: GET|POST /logout (end_session_endpoint) validates the request and asks
// the End-User to confirm; POST /logout/confirm ends the session and redirects or shows a page.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { decodeJwt, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import type { ClientConfig } from '../config.ts';
import { findClient, type ProviderContext } from '../context.ts';
import { InvalidRequest } from '../errors.ts';
import { randomToken, readParams, safeEqual, sendErrorPage, sendHtml, type Params } from '../http.ts';
import { annotate } from '../log.ts';
import { browserId, endSession, loadSession } from '../session.ts';
import { loggedOutPage, logoutCancelledPage, logoutConfirmPage } from '../views.ts';

interface LogoutRequest {
  id: string;
  csrf: string;
  browser: string;
  clientId?: string;
  redirectUri?: string;
  state?: string;
}

class CsrfFailure extends InvalidRequest {
  constructor(description: string) { super(description, 403); }
}

export async function endSessionEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  try {
    const params = readParams(req.method === 'POST' ? req.body : req.query);
    if (!params.id_token_hint && ctx.faults.on('logout-requires-id-token-hint')) throw new InvalidRequest('id_token_hint is required');
    const hint = params.id_token_hint ? await validateIdTokenHint(ctx, params.id_token_hint) : undefined;
    const client = await resolveClient(ctx, hint, params);
    if (client) annotate(req, { client_id: client.client_id });
    const redirectUri = params.post_logout_redirect_uri ? checkPostLogoutRedirect(ctx, client, params.post_logout_redirect_uri) : undefined;
    const request: LogoutRequest = {
      id: randomToken(18),
      csrf: randomToken(24),
      browser: browserId(req, reply),
      clientId: client?.client_id,
      redirectUri,
      state: params.state,
    };
    await ctx.store.set('logout', request.id, request, ctx.config.ttl.interaction);
    return sendHtml(reply, 200, logoutConfirmPage({ csrf: request.csrf, requestId: request.id, clientId: request.clientId }));
  } catch (e) {
    return sendErrorPage(req, reply, e);
  }
}

// RPIL §2: id_token_hint must be an ID Token this OP issued (our signature and iss); an expired
// one is still a valid hint. Anything else (alg none, foreign key) is refused.
async function validateIdTokenHint(ctx: ProviderContext, hint: string): Promise<JWTPayload> {
  if (ctx.faults.on('logout-ignores-id-token-hint')) return readHintUnverified(hint);
  let payload: JWTPayload;
  try {
    ({ payload } = await jwtVerify(hint, ctx.keys.verifyKeys, { issuer: ctx.issuer, algorithms: ctx.keys.algs }));
  } catch (e) {
    if (!(e instanceof joseErrors.JWTExpired)) throw new InvalidRequest('id_token_hint is not a valid ID Token issued by this OP');
    payload = e.payload;
  }
  if (payload.iss !== ctx.issuer) throw new InvalidRequest('id_token_hint was not issued by this OP');
  return payload;
}

function readHintUnverified(hint: string): JWTPayload {
  try {
    return decodeJwt(hint);
  } catch {
    return {};
  }
}

// RPIL §2: the client is the id_token_hint's audience; client_id, when also sent, must agree.
async function resolveClient(ctx: ProviderContext, hint: JWTPayload | undefined, params: Params): Promise<ClientConfig | undefined> {
  const audiences = hint?.aud === undefined ? [] : Array.isArray(hint.aud) ? hint.aud : [hint.aud];
  if (params.client_id !== undefined && hint && !audiences.includes(params.client_id)) throw new InvalidRequest('client_id does not match the id_token_hint audience');
  const clientId = params.client_id ?? (typeof hint?.azp === 'string' ? hint.azp : audiences[0]);
  if (clientId === undefined) return undefined;
  const client = await findClient(ctx, clientId);
  if (!client && !ctx.faults.on('logout-ignores-id-token-hint')) throw new InvalidRequest('the client is not registered');
  return client;
}

// RPIL §3: post_logout_redirect_uri must exactly match one registered for the identified client;
// without a client there is nothing to match, so it is refused. Never redirect to anything else.
function checkPostLogoutRedirect(ctx: ProviderContext, client: ClientConfig | undefined, uri: string): string {
  if (!URL.canParse(uri)) throw new InvalidRequest('post_logout_redirect_uri is not an absolute URI');
  if (ctx.faults.on('logout-open-redirect')) return uri;
  if (!client) throw new InvalidRequest('post_logout_redirect_uri requires id_token_hint or client_id to identify the client');
  if (!client.post_logout_redirect_uris.includes(uri)) throw new InvalidRequest('post_logout_redirect_uri is not registered for the client');
  return uri;
}

export async function confirmLogout(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let params: Params;
  let request: LogoutRequest | undefined;
  try {
    params = readParams(req.body);
    request = params.logout_request ? await ctx.store.get<LogoutRequest>('logout', params.logout_request) : undefined;
    if (!request) throw new InvalidRequest('the logout request is unknown or has expired');
    checkCsrf(req, params, request);
    await ctx.store.delete('logout', request.id);
  } catch (e) {
    return sendErrorPage(req, reply, e, e instanceof CsrfFailure ? 403 : 400);
  }
  if (request.clientId) annotate(req, { client_id: request.clientId });
  if (params.logout !== 'yes') return sendHtml(reply, 200, logoutCancelledPage());
  await endOpSession(ctx, req, reply);
  if (!request.redirectUri) return sendHtml(reply, 200, loggedOutPage());
  const url = new URL(request.redirectUri);
  // RPIL §3: state is passed back exactly as received.
  if (request.state !== undefined && !ctx.faults.on('logout-drops-state')) url.searchParams.set('state', request.state);
  return reply.code(302).header('location', url.href).header('cache-control', 'no-store').send();
}

// CSRF: the confirmation carries the request's token and comes from the same browser.
function checkCsrf(req: FastifyRequest, params: Params, request: LogoutRequest): void {
  const browser = req.cookies.ts_browser;
  if (!params.csrf || !safeEqual(params.csrf, request.csrf) || !browser || !safeEqual(browser, request.browser)) {
    throw new CsrfFailure('CSRF token is missing or invalid');
  }
}

// RPIL §2: after a confirmed logout the OP session is over (deleted and its cookie cleared).
async function endOpSession(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (ctx.faults.on('logout-keeps-session')) return;
  await endSession(ctx, reply, await loadSession(ctx, req));
}
