// GET|POST /interaction/:uid — the login and consent pages. Each POST carries a CSRF token that
// belongs to the interaction, and the interaction is bound to the browser that started it.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { completeAuthorization, sendAuthorizationResponse, type AuthorizationRequest } from '../authorization-response.ts';
import type { ProviderContext } from '../context.ts';
import { AccessDenied, InvalidRequest } from '../errors.ts';
import { readParams, safeEqual, sendErrorPage, sendHtml, type Params } from '../http.ts';
import { annotate } from '../log.ts';
import { loadSession, saveSession, startSession, type Session } from '../session.ts';
import { consentPage, loginPage } from '../views.ts';
import { whatIsNeeded } from './authorization.ts';

export interface Interaction {
  uid: string;
  browser: string;
  csrf: string;
  request: AuthorizationRequest;
  loginDone: boolean;
  /** The End-User who logged in during this interaction. */
  sub?: string;
  consentDone: boolean;
}

class CsrfFailure extends InvalidRequest {
  constructor(description: string) { super(description, 403); }
}

type Stage = 'login' | 'consent' | 'done';

function stageOf(ctx: ProviderContext, ia: Interaction, session: Session | undefined): Stage {
  const loggedInHere = ia.loginDone && session !== undefined && session.sub === ia.sub;
  const needs = whatIsNeeded(ia.request, session, { login: loggedInHere, consent: ia.consentDone }, ctx.faults);
  return needs.login ? 'login' : needs.consent ? 'consent' : 'done';
}

async function loadInteraction(ctx: ProviderContext, req: FastifyRequest): Promise<Interaction> {
  const uid = (req.params as { uid?: string }).uid ?? '';
  const ia = await ctx.store.get<Interaction>('interaction', uid);
  if (!ia) throw new InvalidRequest('the interaction is unknown or has expired; start again from the client');
  annotate(req, { client_id: ia.request.clientId });
  return ia;
}

// The interaction belongs to the browser that started it (its browser cookie).
function checkBrowser(req: FastifyRequest, ia: Interaction): void {
  const browser = req.cookies.ts_browser;
  if (!browser || !safeEqual(browser, ia.browser)) throw new CsrfFailure('this interaction was started in another browser');
}

// CSRF: every POST carries the interaction's token (OWASP synchronizer token pattern).
function checkCsrf(params: Params, ia: Interaction): void {
  if (!params.csrf || !safeEqual(params.csrf, ia.csrf)) throw new CsrfFailure('CSRF token is missing or invalid');
}

export async function interactionPage(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let ia: Interaction;
  try {
    ia = await loadInteraction(ctx, req);
    checkBrowser(req, ia);
  } catch (e) {
    return sendErrorPage(req, reply, e, e instanceof CsrfFailure ? 403 : 400);
  }
  const session = await loadSession(ctx, req);
  const stage = stageOf(ctx, ia, session);
  // OIDC Core §3.1.2.1: login_hint prefills the username.
  if (stage === 'login') return sendHtml(reply, 200, loginPage({ csrf: ia.csrf, clientId: ia.request.clientId, username: ia.request.loginHint }));
  if (stage === 'consent') return sendHtml(reply, 200, consentPage({ csrf: ia.csrf, clientId: ia.request.clientId, scopes: ia.request.scope.split(' ') }));
  return finish(ctx, reply, ia, session as Session);
}

export async function interactionSubmit(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let ia: Interaction;
  let params: Params;
  try {
    ia = await loadInteraction(ctx, req);
    params = readParams(req.body);
    checkBrowser(req, ia);
    checkCsrf(params, ia);
  } catch (e) {
    return sendErrorPage(req, reply, e, e instanceof CsrfFailure ? 403 : 400);
  }
  let session = await loadSession(ctx, req);
  const stage = stageOf(ctx, ia, session);
  if (stage === 'login') {
    const user = authenticate(ctx, params);
    if (!user) {
      annotate(req, { error: 'login_failed' });
      return sendHtml(reply, 200, loginPage({ csrf: ia.csrf, clientId: ia.request.clientId, username: params.username, error: 'Invalid username or password.' }));
    }
    session = await startSession(ctx, reply, session, user);
    ia.loginDone = true;
    ia.sub = user;
    await ctx.store.set('interaction', ia.uid, ia, ctx.config.ttl.interaction);
    if (stageOf(ctx, ia, session) === 'done') return finish(ctx, reply, ia, session);
    return reply.code(302).header('location', `/interaction/${ia.uid}`).header('cache-control', 'no-store').send();
  }
  if (stage === 'consent') {
    const s = session as Session;
    if (params.decision === 'deny') return deny(ctx, req, reply, ia);
    if (params.decision !== 'allow') return sendErrorPage(req, reply, new InvalidRequest('decision must be allow or deny'));
    const granted = new Set([...(s.consents[ia.request.clientId] ?? []), ...ia.request.scope.split(' ')]);
    s.consents[ia.request.clientId] = [...granted];
    await saveSession(ctx, s);
    ia.consentDone = true;
  }
  return finish(ctx, reply, ia, session as Session);
}

/** Password check against configured users (constant-time on the password). */
function authenticate(ctx: ProviderContext, params: Params): string | undefined {
  const user = ctx.users.find((u) => u.username === params.username);
  const ok = safeEqual(params.password ?? '', user?.password ?? '\u0000no-user');
  return user && ok ? user.sub : undefined;
}

// RFC 6749 §4.1.2.1: the End-User denied the request → access_denied to the client.
async function deny(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply, ia: Interaction): Promise<FastifyReply> {
  await ctx.store.delete('interaction', ia.uid);
  const err = new AccessDenied('the End-User denied the request');
  annotate(req, { error: err.error });
  // (fault consent-deny-error-page: the denial stops on an OP error page, the client never hears of it)
  if (ctx.faults.on('consent-deny-error-page')) return sendErrorPage(req, reply, err);
  return sendAuthorizationResponse(ctx, reply, ia.request.redirectUri, { error: err.error, error_description: err.message }, ia.request.state, ia.request.responseMode, ia.request.clientId);
}

// An interaction completes once: it is removed before the code is issued.
async function finish(ctx: ProviderContext, reply: FastifyReply, ia: Interaction, session: Session): Promise<FastifyReply> {
  await ctx.store.delete('interaction', ia.uid);
  return completeAuthorization(ctx, reply, ia.request, session, ia.consentDone);
}
