// GET|POST /authorize. Until the client and redirect_uri are known good, errors are shown on an
// error page; after that they go back to the client on its redirect_uri (RFC 6749 §4.1.2.1).
import { checkAuthorizationDetails } from '../rar.ts';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { errors as joseErrors, jwtVerify } from 'jose';
import { completeAuthorization, hasConsent, isResponseMode, sendAuthorizationResponse, type AuthorizationRequest, type ResponseMode } from '../authorization-response.ts';
import { parseClaimsRequest } from '../claims.ts';
import type { ClientConfig } from '../config.ts';
import { SCOPES_SUPPORTED, findClient, type ProviderContext } from '../context.ts';
import { ConsentRequired, InvalidClient, InvalidRequest, InvalidScope, LoginRequired, OAuthError, UnsupportedResponseType } from '../errors.ts';
import { asOAuthError, randomToken, readParams, sendErrorPage, type Params } from '../http.ts';
import { annotate } from '../log.ts';
import { browserId, loadSession, type Session } from '../session.ts';
import type { Faults } from '../faults.ts';
import type { Interaction } from './interaction.ts';
import { REQUEST_URI_PREFIX, refuseUnpushed, resolvePushedRequest } from '../fapi.ts';
import { checkDpopJkt } from '../dpop.ts';
import { InvalidRequestObject, resolveRequestObject } from '../request-object.ts';
import { firstValues } from './token.ts';

const PROMPTS = ['none', 'login', 'consent', 'select_account'];
const PKCE_VALUE = /^[A-Za-z0-9\-._~]{43,128}$/;

/** A redirect_uri problem: the one kind of error that must never be redirected. */
class InvalidRedirectUri extends InvalidRequest {
  readonly uri: string | undefined;
  constructor(description: string, uri: string | undefined) {
    super(description);
    this.uri = uri;
  }
}

export async function authorizationEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let params: Params;
  let client: ClientConfig;
  let redirectUri: string;
  let pushedUri: string | undefined;
  let unusable: unknown;
  try {
    refusePost(ctx, req);
    // RFC 6749 §3.1: parameters MUST NOT be repeated; a repeated one is invalid_request (§4.1.2.1)
    // (fault authorize-accept-duplicate-params: the first value of each is used).
    const raw = req.method === 'POST' ? req.body : req.query;
    params = readParams(ctx.faults.on('authorize-accept-duplicate-params') ? firstValues(raw) : raw);
    client = await loadClient(ctx, params);
    annotate(req, { client_id: client.client_id });
    // RFC 9126 §4: a request_uri from the PAR endpoint stands for the pushed parameters; its
    // problems (unknown, expired, another client's, used) are shown on the error page.
    if (params.request_uri?.startsWith(REQUEST_URI_PREFIX)) {
      pushedUri = params.request_uri;
      const outside = params;
      params = await resolvePushedRequest(ctx, client, pushedUri);
      // RFC 9101 §6.3 (fault jar-outer-params-win: parameters beside the request_uri override the pushed ones).
      if (ctx.faults.on('jar-outer-params-win')) params = { ...params, ...Object.fromEntries(Object.entries(outside).filter(([k]) => k !== 'request_uri')) };
    } else if (!ctx.faults.on('request-object-silently-ignored')) {
      // RFC 9101 §6: a request object by value stands for the request. When it cannot be used, the
      // error goes to the redirect_uri sent beside it if that is registered, else to the error page.
      try {
        params = await resolveRequestObject(ctx, client, params);
      } catch (e) {
        if (!params.redirect_uri || !client.redirect_uris.includes(params.redirect_uri)) throw e;
        unusable = e;
      }
    } else {
      delete params.request;
    }
    redirectUri = checkRedirectUri(ctx, client, params);
  } catch (e) {
    return redirectOrErrorPage(ctx, req, reply, e);
  }
  try {
    if (unusable) throw unusable;
    // FAPI 2.0 SP §5.3.2.1 / RFC 9126 §6: clients that must push cannot send a plain request.
    if (!pushedUri) refuseUnpushed(ctx, client);
    const request = validateRequest(ctx, client, redirectUri, params);
    request.requestUri = pushedUri;
    request.hintSub = params.id_token_hint ? await checkIdTokenHint(ctx, params.id_token_hint) : undefined;
    const session = await loadSession(ctx, req);
    const needs = whatIsNeeded(request, session, {}, ctx.faults);
    checkPromptNone(request, needs);
    if (session && !needs.login && !needs.consent) return await completeAuthorization(ctx, reply, request, session);
    return await startInteraction(ctx, req, reply, request, needs);
  } catch (e) {
    const err = asOAuthError(e);
    annotate(req, { error: err.error });
    // An error goes back in the requested response mode when it is one the OP offers (else the default).
    return sendAuthorizationResponse(ctx, reply, redirectUri, { error: err.error, error_description: err.message }, params.state, isResponseMode(params.response_mode) ? params.response_mode : undefined, client.client_id);
  }
}

// Client and redirect_uri problems are shown to the End-User and never redirected
// (RFC 6749 §3.1.2.4, §4.1.2.1).
function redirectOrErrorPage(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply, e: unknown): FastifyReply | Promise<FastifyReply> {
  if (e instanceof InvalidRedirectUri && e.uri && ctx.faults.on('redirect-errors-to-unregistered-uri')) {
    annotate(req, { error: e.error });
    return sendAuthorizationResponse(ctx, reply, e.uri, { error: e.error, error_description: e.message }, undefined);
  }
  return sendErrorPage(req, reply, e);
}

// OIDC Core §3.1.2.1: the Authorization Endpoint supports GET and POST (fault: POST refused).
function refusePost(ctx: ProviderContext, req: FastifyRequest): void {
  if (req.method === 'POST' && ctx.faults.on('authorize-rejects-post')) throw new InvalidRequest('POST is not supported at the authorization endpoint');
}

async function loadClient(ctx: ProviderContext, params: Params): Promise<ClientConfig> {
  if (!params.client_id) throw new InvalidRequest('client_id is required');
  const client = await findClient(ctx, params.client_id);
  if (!client) throw new InvalidClient('client_id is not a registered client');
  return client;
}

// OIDC Core §3.1.2.1: redirect_uri is required and MUST exactly match a registered one
// (simple string comparison, RFC 3986 §6.2.1).
function checkRedirectUri(ctx: ProviderContext, client: ClientConfig, params: Params): string {
  const uri = params.redirect_uri;
  // (fault default-missing-redirect-uri: the client's registered redirect_uri is used instead)
  if (!uri && ctx.faults.on('default-missing-redirect-uri')) return client.redirect_uris[0];
  if (!uri) throw new InvalidRedirectUri('redirect_uri is required', undefined);
  if (!URL.canParse(uri)) throw new InvalidRedirectUri('redirect_uri must be an absolute URI', undefined);
  if (client.redirect_uris.includes(uri)) return uri;
  if (ctx.faults.on('ignore-redirect-uri-mismatch')) return uri;
  // RFC 9700 §4.1.3: exact string matching (fault redirect-uri-prefix-match: a registered URI
  // followed by anything, e.g. /cbx, /cb/more or /cb?x=1, is accepted).
  if (ctx.faults.on('redirect-uri-prefix-match') && !uri.includes('#') && client.redirect_uris.some((r) => uri.startsWith(r))) return uri;
  // RFC 6749 §3.1.2: the redirection endpoint URI MUST NOT include a fragment.
  if (uri.includes('#')) throw new InvalidRedirectUri('redirect_uri must not include a fragment', uri);
  throw new InvalidRedirectUri('redirect_uri does not match any redirect_uri registered for the client', uri);
}

/**
 * RFC 9126 §2.1: the PAR endpoint validates a pushed request as /authorize would (client,
 * redirect_uri, response_type, scope, PKCE, prompt, max_age, claims) before issuing a request_uri.
 */
export function validatePushedParams(ctx: ProviderContext, client: ClientConfig, params: Params): void {
  const redirectUri = checkRedirectUri(ctx, client, params);
  validateRequest(ctx, client, redirectUri, params);
}

function validateRequest(ctx: ProviderContext, client: ClientConfig, redirectUri: string, params: Params): AuthorizationRequest {
  refuseRequestObjects(ctx, params);
  checkResponseType(ctx, params);
  if (ctx.faults.on('require-state')) requireState(params);
  if (ctx.faults.on('require-nonce')) requireNonce(params);
  if (ctx.faults.on('refuse-optional-params')) refuseOptionalParams(params);
  const responseMode = checkResponseMode(ctx, params);
  const scope = checkScope(client, params);
  const pkce = checkPkce(ctx, params);
  const prompt = checkPrompt(ctx, params);
  const maxAge = checkMaxAge(params);
  const claims = parseClaimsRequest(ctx, params.claims);
  // RFC 9396 §2, §5: authorization_details checked here, for /authorize and PAR alike.
  const authorizationDetails = checkAuthorizationDetails(ctx, client, params.authorization_details);
  // OIDC Core §3.1.2.1: display, ui_locales, claims_locales and acr_values are accepted (one page
  // style, one language; acr_values only makes the ID Token carry acr); unknown parameters are ignored.
  return {
    clientId: client.client_id,
    redirectUri,
    scope,
    state: params.state,
    nonce: params.nonce,
    ...pkce,
    prompt,
    maxAge,
    loginHint: params.login_hint,
    acrValues: params.acr_values,
    claims,
    ...checkDpopJkt(params.dpop_jkt),
    ...(responseMode ? { responseMode } : {}),
    ...(authorizationDetails ? { authorizationDetails } : {}),
  };
}

// OIDC Core §3.1.2.1: id_token_hint is an ID Token this OP issued (our signature and iss; an
// expired one is still a hint). Its sub names the End-User the client expects.
async function checkIdTokenHint(ctx: ProviderContext, hint: string): Promise<string> {
  // Fault refuse-id-token-hint: even our own, valid ID Token is refused as a hint.
  if (ctx.faults.on('refuse-id-token-hint')) throw new InvalidRequest('id_token_hint is not accepted');
  let sub: unknown;
  try {
    ({ payload: { sub } } = await jwtVerify(hint, ctx.keys.verifyKeys, { issuer: ctx.issuer, algorithms: ctx.keys.algs }));
  } catch (e) {
    if (!(e instanceof joseErrors.JWTExpired) || e.payload.iss !== ctx.issuer) throw new InvalidRequest('id_token_hint is not a valid ID Token issued by this OP');
    sub = e.payload.sub;
  }
  if (typeof sub !== 'string') throw new InvalidRequest('id_token_hint has no sub');
  return sub;
}

// OIDC Core §6: request objects by value are taken (provider/request-object.ts resolved them
// before this point); by reference they are not, and an OP without them MUST say so with the
// registered error code (fault request-object-silently-ignored: the request is served without it).
function refuseRequestObjects(ctx: ProviderContext, params: Params): void {
  if (ctx.faults.on('request-object-silently-ignored')) return;
  // RFC 9101 §4: a request object does not itself carry request or request_uri.
  if (params.request) throw new InvalidRequestObject('a request object must not contain a request parameter');
  if (params.request_uri) throw new OAuthError('request_uri_not_supported', 'the request_uri parameter is not supported');
}

// RFC 6749 §4.1.1, OIDC Core §3.1.2.1: response_type is required and must be "code" (the only
// type supported) (fault accept-missing-response-type: a missing one is taken as code).
function checkResponseType(ctx: ProviderContext, params: Params): void {
  if (!params.response_type && ctx.faults.on('accept-missing-response-type')) return;
  if (!params.response_type) throw new InvalidRequest('response_type is required');
  // FAPI 2.0 SP §5.3.2.1: only the code flow (fault fapi-allow-other-response-types: served as code).
  if (['code id_token', 'token'].includes(params.response_type) && ctx.faults.on('fapi-allow-other-response-types')) return;
  if (params.response_type !== 'code') throw new UnsupportedResponseType('only response_type=code is supported');
}

// OAuth 2.0 Multiple Response Types §2.1 / Form Post Response Mode §2: query, fragment and
// form_post are offered (and advertised); any other mode is refused (fault
// advertise-unsupported-response-mode: form_post is advertised but refused).
function checkResponseMode(ctx: ProviderContext, params: Params): ResponseMode | undefined {
  const mode = params.response_mode;
  if (mode === undefined) return undefined;
  if (mode === 'form_post' && ctx.faults.on('advertise-unsupported-response-mode')) throw new InvalidRequest('response_mode form_post is not supported');
  if (!isResponseMode(mode)) throw new InvalidRequest(`unsupported response_mode: ${mode}`);
  return mode;
}

// RFC 6749 §3.3: every scope value must be known and allowed for the client.
function checkScope(client: ClientConfig, params: Params): string {
  if (!params.scope) throw new InvalidRequest('scope is required');
  const scopes = [...new Set(params.scope.split(' ').filter(Boolean))];
  const allowed: readonly string[] = client.scope ? client.scope.split(' ') : SCOPES_SUPPORTED;
  const unknown = scopes.filter((s) => !allowed.includes(s));
  if (unknown.length > 0) throw new InvalidScope(`scope not allowed: ${unknown.join(' ')}`);
  return scopes.join(' ');
}

function checkPkce(ctx: ProviderContext, params: Params): { codeChallenge?: string; codeChallengeMethod?: string } {
  const challenge = params.code_challenge;
  if (!challenge) {
    requirePkce(ctx);
    return {};
  }
  // RFC 7636 §4.3: a missing code_challenge_method means "plain".
  const method = params.code_challenge_method ?? 'plain';
  if (method !== 'S256' && !(method === 'plain' && ctx.faults.on('accept-plain-pkce'))) refusePlain(method);
  // RFC 7636 §4.2: the challenge is 43-128 unreserved characters.
  if (!PKCE_VALUE.test(challenge)) throw new InvalidRequest('code_challenge must be 43 to 128 unreserved characters');
  return { codeChallenge: challenge, codeChallengeMethod: method };
}

// RFC 7636 §4.4.1 (+ FAPI 2.0 SP §5.3.2.2): PKCE is required; no code_challenge → invalid_request.
function requirePkce(ctx: ProviderContext): void {
  if (!ctx.faults.on('accept-missing-pkce')) throw new InvalidRequest('code_challenge is required (PKCE)');
}

// FAPI 2.0 SP §5.3.2.2: only S256; plain (explicit or by default) is refused.
function refusePlain(method: string): never {
  throw new InvalidRequest(`code_challenge_method ${method} is not supported, use S256`);
}

// OIDC Core §3.1.2.1: prompt values are known, and "none" stands alone. prompt=none: the OP shows
// no page at all (fault prompt-none-shows-login: none is handled as login).
function checkPrompt(ctx: ProviderContext, params: Params): string[] {
  const prompt = params.prompt ? [...new Set(params.prompt.split(' ').filter(Boolean))] : [];
  if (prompt.length === 1 && prompt[0] === 'none' && ctx.faults.on('prompt-none-shows-login')) return ['login'];
  const unknown = prompt.filter((p) => !PROMPTS.includes(p));
  if (unknown.length > 0) throw new InvalidRequest(`unsupported prompt value: ${unknown.join(' ')}`);
  if (prompt.includes('none') && prompt.length > 1) throw new InvalidRequest('prompt=none must not be combined with other values');
  return prompt;
}

// OIDC Core §3.1.2.1: max_age is a non-negative integer number of seconds.
function checkMaxAge(params: Params): number | undefined {
  if (params.max_age === undefined) return undefined;
  if (!/^\d{1,10}$/.test(params.max_age)) throw new InvalidRequest('max_age must be a non-negative integer');
  return Number(params.max_age);
}

export interface Needs { login: boolean; consent: boolean }

export function whatIsNeeded(request: AuthorizationRequest, session: Session | undefined, done: { login?: boolean; consent?: boolean }, faults: Faults): Needs {
  const login = !session || (!done.login && (promptLogin(request, faults) || maxAgeExceeded(request, session, faults) || otherUser(request, session, faults)));
  const consent = !done.consent && (request.prompt.includes('consent') || offlineAccess(request) || !hasConsent(session, request.clientId, request.scope));
  return { login, consent };
}

// OIDC Core §3.1.2.1: prompt=login makes the OP re-authenticate the End-User (fault: session reused).
function promptLogin(request: AuthorizationRequest, faults: Faults): boolean {
  return request.prompt.includes('login') && !faults.on('prompt-login-ignored');
}

// OIDC Core §3.1.2.1: when the last authentication is older than max_age seconds, the OP MUST
// actively re-authenticate (fault: the old session is used).
function maxAgeExceeded(request: AuthorizationRequest, session: Session, faults: Faults): boolean {
  if (request.maxAge === undefined || faults.on('max-age-ignored')) return false;
  return Math.floor(Date.now() / 1000) - session.authTime > request.maxAge;
}

// OIDC Core §3.1.2.1: id_token_hint names the End-User the client expects; a session of another
// End-User does not satisfy the request (prompt=none: login_required) (fault: any session does).
function otherUser(request: AuthorizationRequest, session: Session, faults: Faults): boolean {
  return request.hintSub !== undefined && request.hintSub !== session.sub && !faults.on('id-token-hint-ignored');
}

// OIDC Core §11: offline_access always asks the End-User (a remembered consent is not enough);
// with prompt=none it cannot ask, and offline_access is then ignored (authorization-response.ts).
function offlineAccess(request: AuthorizationRequest): boolean {
  return request.scope.split(' ').includes('offline_access') && !request.prompt.includes('none');
}

// OIDC Core §3.1.2.6: prompt=none without a session → login_required; without consent → consent_required.
function checkPromptNone(request: AuthorizationRequest, needs: Needs): void {
  if (!request.prompt.includes('none')) return;
  if (needs.login) throw new LoginRequired('the End-User is not authenticated');
  if (needs.consent) throw new ConsentRequired('the End-User has not consented for this client and scope');
}

async function startInteraction(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply, request: AuthorizationRequest, needs: Needs): Promise<FastifyReply> {
  const uid = randomToken(18);
  const interaction: Interaction = {
    uid,
    browser: browserId(req, reply),
    csrf: randomToken(24),
    request,
    loginDone: false,
    consentDone: false,
  };
  await ctx.store.set('interaction', uid, interaction, ctx.config.ttl.interaction);
  return reply.code(302).header('location', `/interaction/${uid}`).header('cache-control', 'no-store').send();
}

// Fault require-state only: state is OPTIONAL (RFC 6749 §4.1.1); a correct OP never requires it.
function requireState(params: Params): void {
  if (!params.state) throw new InvalidRequest('state is required');
}

// Fault require-nonce only: nonce is OPTIONAL in the code flow (OIDC Core §3.1.2.1).
function requireNonce(params: Params): void {
  if (!params.nonce) throw new InvalidRequest('nonce is required');
}

const CORE_PARAMS = new Set(['response_type', 'client_id', 'redirect_uri', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method', 'response_mode', 'prompt', 'max_age', 'id_token_hint', 'claims', 'request', 'request_uri']);

// Fault refuse-optional-params only: display, ui_locales, claims_locales, login_hint, acr_values
// and unknown parameters are accepted (unknown ones ignored) by a correct OP (OIDC Core §3.1.2.1).
function refuseOptionalParams(params: Params): void {
  const extra = Object.keys(params).filter((k) => !CORE_PARAMS.has(k));
  if (extra.length > 0) throw new InvalidRequest(`unsupported parameter: ${extra.join(' ')}`);
}
