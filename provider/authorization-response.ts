// The authorization response (RFC 6749 §4.1.2 / §4.1.2.1, RFC 9207) and authorization code issue.
import { createHash } from 'node:crypto';
import type { FastifyReply } from 'fastify';
import type { ClaimsRequest } from './claims.ts';
import type { ProviderContext } from './context.ts';
import { randomToken, sendHtml } from './http.ts';
import { esc } from './views.ts';
import type { Session } from './session.ts';
import { InvalidRequestUri, markPushedRequestUsed } from './fapi.ts';
import { tokenBytes } from './faults.ts';
import type { AuthorizationDetail } from './rar.ts';
import { JARM_MODES, isJarmMode, jarmResponse, plainModeOf } from './jarm.ts';

/** The validated authorization request, kept in the interaction and copied into the code. */
export interface AuthorizationRequest {
  clientId: string;
  redirectUri: string;
  scope: string;
  state?: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  prompt: string[];
  maxAge?: number;
  /** OIDC Core §3.1.2.1: prefills the login page. */
  loginHint?: string;
  /** The sub of a valid id_token_hint: the End-User the client expects. */
  hintSub?: string;
  acrValues?: string;
  claims?: ClaimsRequest;
  /** RFC 9126: the request_uri this request came from (spent once a code is issued). */
  requestUri?: string;
  /** RFC 9449 §10: the DPoP key thumbprint the code is bound to. */
  dpopJkt?: string;
  /** OAuth 2.0 Multiple Response Types §2.1: how the response travels (absent: query, the code flow's default). */
  responseMode?: ResponseMode;
  /** RFC 9396: the checked authorization_details, granted with the End-User's consent. */
  authorizationDetails?: AuthorizationDetail[];
}

/**
 * Response modes the OP offers: query (default for code), fragment, form_post (OAuth 2.0 Form Post
 * Response Mode), and the JARM modes jwt, query.jwt, fragment.jwt, form_post.jwt (provider/jarm.ts).
 */
export const RESPONSE_MODES = ['query', 'fragment', 'form_post', ...JARM_MODES] as const;
export type ResponseMode = (typeof RESPONSE_MODES)[number];

export function isResponseMode(m: unknown): m is ResponseMode {
  return typeof m === 'string' && (RESPONSE_MODES as readonly string[]).includes(m);
}

export interface CodeRecord {
  clientId: string;
  redirectUri: string;
  scope: string;
  nonce?: string;
  codeChallenge?: string;
  codeChallengeMethod?: string;
  sub: string;
  authTime: number;
  /** The acr value, when acr_values or the claims parameter asked for one. */
  acr?: string;
  claims?: ClaimsRequest;
  grantId: string;
  /** Epoch ms; checked by the grant, the store keeps the record a little longer. */
  expiresAt: number;
  /** RFC 9449 §10: the token request's DPoP proof must use this key. */
  dpopJkt?: string;
  /** RFC 9396 §7: the authorization_details granted, returned with the tokens. */
  authorizationDetails?: AuthorizationDetail[];
}

const AUTO_SUBMIT = 'document.forms[0].submit()';
/** CSP hash of the one inline script of the form_post page: no other script may run there. */
const AUTO_SUBMIT_HASH = `'sha256-${createHash('sha256').update(AUTO_SUBMIT).digest('base64')}'`;

/**
 * Send the authorization response in the request's response mode: query (RFC 6749 §4.1.2, the
 * code flow's default), fragment (OAuth 2.0 Multiple Response Types §2.1), or form_post (OAuth 2.0
 * Form Post Response Mode §2: an auto-submitting HTML form POSTed to the redirect_uri), or a JARM
 * mode (the parameters signed into one JWT for `clientId`, provider/jarm.ts). Every mode carries
 * state (when sent) and iss (RFC 9207 §2).
 */
export async function sendAuthorizationResponse(
  ctx: ProviderContext,
  reply: FastifyReply,
  redirectUri: string,
  fields: Record<string, string>,
  state: string | undefined,
  mode: ResponseMode = 'query',
  clientId?: string,
): Promise<FastifyReply> {
  let out: Record<string, string> = { ...fields };
  const { faults } = ctx;
  // RFC 6749 §4.1.2: state is returned exactly as received, whenever it was sent.
  if (state !== undefined && !faults.on('drop-state')) out.state = state;
  // RFC 9207 §2: iss identifies the issuer in every authorization response, in every mode.
  if (!faults.on('omit-iss-in-authz-response')) out.iss = ctx.issuer;
  // JARM §2.1, §4.3: every parameter becomes a claim of a signed JWT sent as `response` in the
  // mode's channel (fault jarm-error-plain: an error response ignores the JARM mode: no JWT).
  if (isJarmMode(mode)) {
    if (out.error !== undefined && faults.on('jarm-error-plain')) mode = 'query';
    else {
      if (clientId !== undefined) out = await jarmResponse(ctx, clientId, out);
      // JARM §2.3 (fault jarm-wrong-channel: the query's JWT goes in the fragment, the others' in the query).
      const channel = plainModeOf(mode);
      mode = faults.on('jarm-wrong-channel') ? (channel === 'query' ? 'fragment' : 'query') : channel;
    }
  }
  // Faults form-post-as-query / fragment-as-query: the requested mode is ignored, the query is used.
  if ((mode === 'form_post' && faults.on('form-post-as-query')) || (mode === 'fragment' && faults.on('fragment-as-query'))) mode = 'query';
  if (mode === 'form_post') {
    const inputs = Object.entries(out).map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`).join('');
    const html = `<!doctype html><html><head><meta charset="utf-8"><title>Submitting...</title></head><body><form method="post" action="${esc(redirectUri)}">${inputs}<noscript><button type="submit">Continue</button></noscript></form><script>${AUTO_SUBMIT}</script></body></html>`;
    return sendHtml(reply, 200, html, `default-src 'none'; script-src ${AUTO_SUBMIT_HASH}; frame-ancestors 'none'`);
  }
  const url = new URL(redirectUri);
  if (mode === 'fragment') url.hash = new URLSearchParams(out).toString();
  else for (const [k, v] of Object.entries(out)) url.searchParams.set(k, v);
  return reply.code(302).header('location', url.href).header('cache-control', 'no-store').send();
}

/** Issue a single-use code bound to the client, redirect_uri, PKCE challenge and session. */
export async function issueCode(ctx: ProviderContext, request: AuthorizationRequest, session: Session, consentedNow: boolean): Promise<string> {
  // RFC 6749 §10.10: at most a 2^-128 (SHOULD 2^-160) chance to guess (faults: 96 and 136 bits).
  const code = randomToken(tokenBytes(ctx.faults));
  const record: CodeRecord = {
    clientId: request.clientId,
    redirectUri: request.redirectUri,
    scope: grantedScope(ctx, request, consentedNow),
    nonce: request.nonce,
    codeChallenge: request.codeChallenge,
    codeChallengeMethod: request.codeChallengeMethod,
    sub: session.sub,
    authTime: session.authTime,
    acr: request.acrValues !== undefined || request.claims?.id_token?.acr !== undefined ? ctx.config.acr : undefined,
    claims: request.claims,
    // RFC 9449 §10 (fault dpop-ignore-dpop-jkt: not bound).
    ...(request.dpopJkt && !ctx.faults.on('dpop-ignore-dpop-jkt') ? { dpopJkt: request.dpopJkt } : {}),
    grantId: randomToken(16),
    expiresAt: Date.now() + ctx.config.ttl.code * 1000,
    ...(request.authorizationDetails ? { authorizationDetails: request.authorizationDetails } : {}),
  };
  // RFC 9126 §4: the request_uri is spent before the code exists; of concurrent completions only
  // the one that spent it gets a code (fault par-allow-request-uri-reuse: all do; fault
  // par-consume-on-first-use: /authorize spent it already).
  if (request.requestUri && !(await markPushedRequestUsed(ctx, request.requestUri)) && !ctx.faults.on('par-allow-request-uri-reuse') && !ctx.faults.on('par-consume-on-first-use')) {
    throw new InvalidRequestUri('request_uri has already been used');
  }
  await ctx.store.set('code', code, record, ctx.config.ttl.code + 300);
  return code;
}

// OIDC Core §11: offline_access needs the End-User's consent. It counts only when the consent page
// was shown and allowed in this very request (the page always asks when offline_access is in the
// scope, whatever was remembered); otherwise (prompt=none, remembered consent) it is ignored, so no
// refresh token is issued (fault offline-access-without-consent: honoured anyway).
function grantedScope(ctx: ProviderContext, request: AuthorizationRequest, consentedNow: boolean): string {
  const scopes = request.scope.split(' ');
  if (!scopes.includes('offline_access') || consentedNow || ctx.faults.on('offline-access-without-consent')) return request.scope;
  return scopes.filter((s) => s !== 'offline_access').join(' ');
}

export async function completeAuthorization(ctx: ProviderContext, reply: FastifyReply, request: AuthorizationRequest, session: Session, consentedNow = false): Promise<FastifyReply> {
  const code = await issueCode(ctx, request, session, consentedNow);
  return sendAuthorizationResponse(ctx, reply, request.redirectUri, { code }, request.state, request.responseMode, request.clientId);
}

export function hasConsent(session: Session | undefined, clientId: string, scope: string): boolean {
  if (!session) return false;
  const granted = session.consents[clientId] ?? [];
  return scope.split(' ').every((s) => granted.includes(s));
}
