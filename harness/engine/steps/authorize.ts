// The authorization request, played in the browser: build the request from the plan's client,
// log in and consent through the plan's declared interactions, and capture where the OP sends the
// browser. Success, an error redirect, or an OP page are judged against the step's expectation.
import { createHash } from 'node:crypto';
import { UnsecuredJWT } from 'jose';
import { authzResponseAtRedirectUri, authzResponseHasCode, authzResponseHasIss, authzResponseStateEchoed, requestObjectParamUsed, responseModeCheck, type ResponseMode } from '../../checks/index.ts';
import type { CitationId } from '../../core/citations.ts';
import type { PageKind, PlanClient, StepDef } from '../../core/types.ts';
import { resolveResource } from '../resource-target.ts';
import type { Landing } from '../browser.ts';
import { randomToken, shapeParams, StepAbort, type AuthorizeOutput, type ModuleRun } from '../module-run.ts';
import { CLIENT, enumOf, HTTP_METHOD, options, SHAPE_PARAMS, STEP_REF, STRING, STRINGS, USER } from './options.ts';
import { jarmModeOf, jarmVariantMode, judgeJarm } from './jarm.ts';
import { paramsOf, rememberRequestObject, requestObjectClaims, requestObjectEdit, requestObjectOf, requestObjectOption, signRequestObject, type SentRequestObject } from './request-object.ts';

/**
 * The scope an authorization request asks for: `with.scope`, else the client's (plan data, so one
 * flow serves an OpenID and a plain OAuth variant), with `with.scope_add` values appended and
 * `with.scope_order: reversed` (RFC 6749 §3.3: the order of scope values does not matter).
 */
export function requestScope(w: Record<string, unknown>, client: PlanClient): string {
  let values = ((w.scope as string | undefined) ?? client.scope ?? 'openid').split(' ').filter(Boolean);
  for (const v of (w.scope_add as string[] | undefined) ?? []) if (!values.includes(v)) values.push(v);
  if (w.scope_order === 'reversed') values = values.reverse();
  return values.join(' ');
}

/** RFC 8707 §2.1: the `resource` a client asks for (plan clients.<role>.resource_target: that target's identifier). */
export function resourceIndicator(run: ModuleRun, client: PlanClient): string | undefined {
  return client.resource_target ? resolveResource(run.ctx.plan, run.ctx.issuer).targets[client.resource_target]?.audience : undefined;
}

export function pkcePair(method: string, length?: number): { verifier?: string; challenge?: string; method?: string } {
  if (method === 'none') return {};
  // with.pkce_verifier_length: a verifier of that many characters (RFC 7636 §4.1: 43 to 128).
  const verifier = length ? randomToken(96).slice(0, length) : randomToken(32);
  if (method === 'plain') return { verifier, challenge: verifier, method: 'plain' };
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url'), method: 'S256' };
}

export function describeLanding(l: Landing): string {
  if (l.kind === 'redirect') return `redirect to ${l.url}${l.form ? ' (form POST)' : ''}`;
  if (l.kind === 'page') return `the OP's "${l.page}" page at ${l.url}`;
  if (l.kind === 'off-plan') return `a redirect to ${l.url}, a host outside the plan (refused, not followed; hops: ${l.chain})`;
  return `an unrecognised page at ${l.url} (${l.detail}; hops: ${l.chain || '(none)'}): ${l.text.slice(0, 160).replace(/\s+/g, ' ')}`;
}

/**
 * The harness lost track of the flow (a page no plan interaction or page matcher knows, a browser
 * error): that is not a verdict on the OP, so the step stops with what the browser saw.
 */
export function abortIfLost(l: Landing): void {
  if (l.kind === 'unknown') throw new StepAbort(`the browser lost track of the flow: ${describeLanding(l)}`);
}

/** Query, fragment and (form_post) body parameters of a captured redirect. */
export function responseParams(url: string, form?: Record<string, string>): Record<string, string> {
  const u = new URL(url);
  const out: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(u.hash.slice(1))) out[k] = v;
  for (const [k, v] of u.searchParams) out[k] = v;
  return { ...out, ...form };
}

/**
 * The response as a client using `mode` decodes it: only the query (query), only the fragment
 * (fragment), or only the body of a form POSTed to the redirect_uri (form_post).
 */
export function decodeInMode(url: string, form: Record<string, string> | undefined, mode: ResponseMode): Record<string, string> {
  const u = new URL(url);
  if (mode === 'form_post') return { ...form };
  return Object.fromEntries(mode === 'fragment' ? new URLSearchParams(u.hash.slice(1)) : u.searchParams);
}

/** What reached the redirect_uri, part by part (names only), for the response-mode checks. */
function partsOf(url: string, form: Record<string, string> | undefined): { method: 'GET' | 'POST'; query: string[]; fragment: string[]; form: string[] } {
  const u = new URL(url);
  return { method: form ? 'POST' : 'GET', query: [...u.searchParams.keys()], fragment: [...new URLSearchParams(u.hash.slice(1)).keys()], form: Object.keys(form ?? {}) };
}

/**
 * `with.redirect_uri_variant`: the client's registered redirect_uri, altered the way a lax matcher
 * would still accept (RFC 9700 §4.1.3: exact string matching): another path segment, a longer
 * path (/cb -> /cbx), a subdomain, an added query parameter, a fragment, a percent-encoded path
 * character, userinfo that moves the host, another port, or http instead of https.
 */
export function redirectUriVariant(registered: string, variant: string): string {
  const u = new URL(registered);
  const path = u.pathname === '/' ? '' : u.pathname;
  const q = u.search;
  switch (variant) {
    case 'extra-path': return `${u.origin}${path}/touchstone${q}`;
    case 'path-prefix': return `${u.origin}${path || '/cb'}x${q}`;
    case 'subdomain': return `${u.protocol}//touchstone.${u.host}${u.pathname}${q}`;
    case 'extra-query': return `${registered}${q ? '&' : '?'}touchstone=1`;
    case 'fragment': return `${registered}#touchstone`;
    // The path's last character percent-encoded: equivalent after RFC 3986 §6.2.2 normalisation, a different string.
    case 'percent-encoded': {
      const p = path || '/';
      const last = p[p.length - 1]!;
      const enc = last === '/' ? '%2F' : `%${last.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`;
      return `${u.origin}${p.slice(0, -1)}${enc}${q}`;
    }
    // The registered host as userinfo: the URL's host is another one (RFC 3986 §3.2.1).
    case 'userinfo': return `${u.protocol}//${u.host}@touchstone.invalid${u.pathname}${q}`;
    case 'port': return `${u.protocol}//${u.hostname}:${u.port === '8443' ? '9443' : '8443'}${u.pathname}${q}`;
    case 'http': return `http://${u.host}${u.pathname}${q}`;
    default: throw new StepAbort(`unknown redirect_uri_variant ${variant}`);
  }
}

/** The redirect target without its query and fragment: what was registered. */
export function baseOf(url: string): string {
  const u = new URL(url);
  return `${u.origin}${u.pathname}`;
}

/**
 * `expect.page`: the OP must stop on one of these pages of its own and never send the browser to
 * a client. One finding per cited rule (or `fallback` when the step cites none).
 */
export function expectOpPage(run: ModuleRun, step: StepDef, landing: Landing, pages: PageKind[], fallback?: CitationId): void {
  abortIfLost(landing);
  const ok = landing.kind === 'page' && pages.includes(landing.page);
  run.expectation(step, `${step.id}-ends-on-op-page`, {
    ok,
    message: ok ? `the OP showed its ${landing.kind === 'page' ? landing.page : ''} page and did not redirect` : `expected the OP's ${pages.join(' or ')} page and no redirect, got ${describeLanding(landing)}`,
    expected: { page: pages, redirect: 'none' },
    actual: landing.kind === 'page' ? { page: landing.page, url: landing.url } : { landing: describeLanding(landing) },
  }, landing.kind === 'redirect' ? undefined : landing.hop.id, fallback);
}

/** `expect.interaction`: which of the plan's interactions (login, consent) the OP had to show. */
export function judgeInteractions(run: ModuleRun, step: StepDef, played: string[]): void {
  const want = step.expect?.interaction;
  if (!want) return;
  const missing = (want.shown ?? []).filter((n) => !played.includes(n));
  const unwanted = (want.not_shown ?? []).filter((n) => played.includes(n));
  const ok = missing.length === 0 && unwanted.length === 0;
  run.expectation(step, `${step.id}-interactions`, {
    ok,
    message: ok
      ? `the OP showed ${played.length ? played.join(', ') : 'no interaction'}, as expected`
      : [missing.length ? `expected the ${missing.join(', ')} page to be shown` : '', unwanted.length ? `expected no ${unwanted.join(', ')} page` : ''].filter(Boolean).join('; ') + `; the OP showed ${played.length ? played.join(', ') : 'nothing'}`,
    expected: want,
    actual: { shown: played },
  });
}

/** Parameters of an authorization response (RFC 6749 §4.1.2, §4.1.2.1; RFC 9207; OIDC Core §3.2.2.5). */
const RESPONSE_PARAMS = ['code', 'error', 'id_token', 'access_token', 'state', 'iss'];

/**
 * A redirect that carries this request's authorization response to a URL other than the
 * redirect_uri sent (an off-plan host, or another client URL). A redirect that is itself an
 * authorization request (an upstream identity provider's login: it has response_type) or that
 * carries neither a code, an error, a token nor the state sent is not a response: the flow stops
 * naming where the browser went instead.
 */
export function misdirectedResponse(l: Landing, sentTo: string, sentState?: string): { url: string; params: string[] } | undefined {
  if (l.kind !== 'redirect' && l.kind !== 'off-plan') return undefined;
  let p: Record<string, string>;
  try {
    if (baseOf(l.url) === baseOf(sentTo)) return undefined;
    p = responseParams(l.url, l.kind === 'redirect' ? l.form : undefined);
  } catch {
    return undefined;
  }
  if (Object.hasOwn(p, 'response_type')) return undefined;
  const isResponse = ['code', 'error', 'id_token', 'access_token'].some((k) => Object.hasOwn(p, k)) || (sentState !== undefined && p.state === sentState);
  return isResponse ? { url: l.url, params: RESPONSE_PARAMS.filter((k) => Object.hasOwn(p, k)) } : undefined;
}

export async function authorize(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const role = (w.client as string) ?? 'main';
  const client = run.client(role);
  const user = run.user((w.user as string) ?? 'main');
  const pkce = pkcePair((w.pkce as string) ?? 'S256', w.pkce_verifier_length as number | undefined);
  const scope = requestScope(w, client);
  const redirectUri = typeof w.redirect_uri_variant === 'string' ? redirectUriVariant(client.redirect_uri, w.redirect_uri_variant) : ((w.redirect_uri as string) ?? client.redirect_uri);
  // with.response_mode: the response is asked for, and decoded, in that mode only (a JARM mode:
  // from the JWT, steps/jarm.ts; under the plan variant response_mode: jarm, "jwt" by default).
  const asked = (w.response_mode as string | undefined) ?? jarmVariantMode(run);
  const mode = ['query', 'fragment', 'form_post'].includes(asked as string) ? (asked as ResponseMode) : undefined;
  const params = shapeParams(
    {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: redirectUri,
      scope,
      state: randomToken(16),
      // OIDC Core §3.1.2.1: nonce is an OpenID Connect parameter; a plain OAuth request (no openid scope) sends none.
      nonce: scope.split(' ').includes('openid') ? randomToken(16) : undefined,
      code_challenge: pkce.challenge,
      code_challenge_method: pkce.method,
      response_mode: asked,
      resource: resourceIndicator(run, client),
    },
    w,
  );
  // with.id_token_hint: <token step>: that step's ID Token as the hint (OIDC Core §3.1.2.1).
  if (typeof w.id_token_hint === 'string') {
    const hint = run.output('token', w.id_token_hint).idToken;
    if (!hint) throw new StepAbort(`step "${w.id_token_hint}" issued no ID Token to use as id_token_hint`);
    params.id_token_hint = hint;
  }
  // with.request_object: unsigned: the request's parameters also sent as an unsigned request object.
  if (w.request_object === 'unsigned') params.request = new UnsecuredJWT({ ...params }).encode();
  // with.request_object: true | { edits }: the parameters inside a signed request object by value
  // (RFC 9101 §5), with client_id, and response_type and scope as OIDC Core §6.1 has them, beside it.
  const ro = w.request_object === 'unsigned' ? undefined : requestObjectEdit(w.request_object);
  let byValue: SentRequestObject | undefined;
  if (ro && (w.par === undefined || w.par === false)) {
    const claims = requestObjectClaims(client, run.ctx.issuer, params, ro);
    const request = await signRequestObject(ro.sign_with ? run.client(ro.sign_with) : client, claims, ro);
    const inside = paramsOf(claims);
    const outside = shapeParams({ response_type: inside.response_type, scope: inside.scope, ...ro.outside }, {});
    for (const k of Object.keys(params)) delete params[k];
    Object.assign(params, { client_id: client.client_id, ...outside, request });
    byValue = { inside, outside };
  }
  // with.par: <par step> | true (the latest): only client_id and that step's request_uri travel
  // through the browser (RFC 9126 §4); the pushed parameters are what the response is judged by.
  const pushed = w.par !== undefined && w.par !== false ? run.output('par', typeof w.par === 'string' ? w.par : undefined) : undefined;
  if (pushed) {
    if (!pushed.requestUri) throw new StepAbort('the par step issued no request_uri');
    for (const k of Object.keys(params)) delete params[k];
    Object.assign(params, shapeParams({ client_id: client.client_id, request_uri: pushed.requestUri }, { params: w.params }));
  }
  const url = new URL(run.endpoint('authorization_endpoint'));
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  // with.duplicate: [names]: each sent a second time with another value (RFC 6749 §3.1).
  for (const name of (w.duplicate as string[] | undefined) ?? []) url.searchParams.append(name, `${params[name] ?? 'x'}-again`);

  const session = await run.browser();
  session.useUser(user.username, user.password);
  const post = ((w.method as string) ?? 'GET').toUpperCase() === 'POST';
  const landing = post
    ? await session.navigate(step.id!, run.endpoint('authorization_endpoint'), undefined, params)
    : await session.navigate(step.id!, url.toString());
  judgeInteractions(run, step, session.played);
  const sent = pushed ? pushed.params : byValue ? byValue.inside : params;
  // The request object this request came of (by value here, or pushed), and what was sent beside it.
  const pushedRo = requestObjectOf(pushed);
  const jar = byValue ?? (pushedRo ? { inside: pushedRo.inside, outside: { ...pushedRo.outside, ...(w.params as Record<string, string> | undefined) } } : undefined);
  // with.verifier_at_token: challenge: the token step sends the S256 challenge as the code_verifier
  // (a plain downgrade, RFC 9700 §4.8.2), not the verifier.
  const verifier = w.verifier_at_token === 'challenge' ? pkce.challenge : pushed ? pushed.verifier : pkce.verifier;
  const out: AuthorizeOutput = { kind: 'authorize', client: role, params: sent, verifier };
  if (jar) rememberRequestObject(out, jar);
  run.outputs.set(step.id!, out);

  const sentTo = sent.redirect_uri ?? client.redirect_uri;
  const atClient = landing.kind === 'redirect' && baseOf(landing.url) === baseOf(sentTo);
  let response = landing.kind === 'redirect' ? (mode ? decodeInMode(landing.url, landing.form, mode) : responseParams(landing.url, landing.form)) : undefined;
  const hop = landing.kind === 'redirect' ? undefined : landing.hop.id;
  const e = step.expect;
  // JARM (JARM §2.4): the response parameters are the verified JWT's claims.
  const jarm = jarmModeOf(run, w.response_mode, pushed?.params);
  if (jarm && atClient && landing.kind === 'redirect' && !e?.page) {
    response = (await judgeJarm(run, step.id!, landing, jarm, { clientId: client.client_id, sentState: sent.state, fapi: w.jarm_profile === 'fapi2' })) ?? response;
  }
  const evidence = { params: response ?? {}, sentState: sent.state, issuer: run.ctx.issuer };

  // expect.page with expect.error: either the OP's page or an error redirect (judged below) will do.
  if (e?.page && !(e.error && landing.kind === 'redirect')) {
    expectOpPage(run, step, landing, e.page);
    return;
  }

  abortIfLost(landing);
  // Where the response came (query, fragment, form POST) against the mode asked for (the default,
  // query, is judged by no check of its own).
  const modeCheck = mode && atClient && landing.kind === 'redirect' ? responseModeCheck(mode) : undefined;
  if (modeCheck && landing.kind === 'redirect') {
    const advertised = Array.isArray(run.discovery?.response_modes_supported) && (run.discovery.response_modes_supported as unknown[]).includes(mode);
    run.add(modeCheck({ mode: mode!, advertised, ...partsOf(landing.url, landing.form) }));
  }
  // The OP sent an authorization response (code, state, error, ...) somewhere other than the
  // redirect_uri of the request: off the plan's hosts, or another client URL. That is the verdict
  // (RFC 6749 §3.1.2.4), not a missing code or a wrong error.
  const misdirected = misdirectedResponse(landing, sentTo, sent.state);
  if (misdirected) {
    run.add(authzResponseAtRedirectUri({ sentTo, landedAt: misdirected.url, params: misdirected.params }, hop));
    throw new StepAbort(`the authorization response went to ${baseOf(misdirected.url)}, not to the redirect_uri ${sentTo}`);
  }
  // RFC 9101 §6.3: a state sent outside the request object is not the one the OP answers with.
  if (jar && atClient && jar.outside.state !== undefined) run.add(requestObjectParamUsed({ name: 'state', inside: jar.inside.state, outside: jar.outside.state, got: response?.state, where: 'the authorization response' }, hop));
  if (e?.error) {
    const error = response?.error;
    // A repeated parameter makes the whole request untrustworthy: RFC 6749 §4.1.2.1 lets the OP
    // show its error page instead of redirecting, as for a request it cannot attribute.
    const refusedOnPage = Array.isArray(w.duplicate) && landing.kind === 'page' && landing.page === 'error';
    const ok = refusedOnPage || (atClient && !!error && e.error.includes(error));
    run.expectation(step, `${step.id}-error-response`, {
      ok,
      message: refusedOnPage ? 'the OP refused the request on its error page' : ok ? `the OP redirected back with error=${error}` : `expected a redirect to ${sentTo} with error ${e.error.join(' or ')}, got ${atClient ? `error=${error ?? '(none)'}${response?.code ? ' and a code' : ''}` : describeLanding(landing)}`,
      expected: { redirect_uri: sentTo, error: e.error },
      actual: atClient ? { error: error ?? null, code: response?.code ? '(issued)' : undefined } : { landing: describeLanding(landing) },
    }, hop);
    if (atClient) run.add(authzResponseStateEchoed(evidence), authzResponseHasIss(evidence));
    return;
  }

  // Success: a redirect to the client's redirect_uri carrying a code.
  if (!atClient) {
    // Not a missing code: the OP sent the browser elsewhere (off the plan, another client URL, its own page).
    run.succeeded(step, false, `expected a redirect to ${sentTo} with a code, got ${describeLanding(landing)}`, hop);
    throw new StepAbort(`expected a redirect to ${sentTo} with a code, got ${describeLanding(landing)}`);
  }
  out.response = response;
  out.receivedAt = Date.now();
  const codeFinding = authzResponseHasCode(response!);
  run.add(codeFinding, authzResponseStateEchoed(evidence), authzResponseHasIss(evidence));
  run.succeeded(step, codeFinding.ok, codeFinding.ok ? 'the OP redirected back with a code' : `the OP redirected back without a code${response?.error ? ` (error=${response.error})` : ''}`);
  if (!codeFinding.ok) throw new StepAbort('the authorization response has no code');
}

/** `with` of `authorize` (read above: client, user, pkce, pkce_verifier_length, verifier_at_token, redirect_uri, redirect_uri_variant, response_mode, jarm_profile, scope, id_token_hint, request_object, par, method, params, drop). */
export const authorizeOptions = options({
  client: CLIENT,
  user: USER,
  pkce: enumOf('S256', 'plain', 'none'),
  redirect_uri: STRING,
  scope: STRING,
  scope_add: { ...STRINGS, description: 'scope values appended to the client\'s (or with.scope)' },
  scope_order: enumOf('reversed'),
  id_token_hint: { ...STEP_REF, description: 'the token step whose ID Token is sent as id_token_hint' },
  request_object: { oneOf: [enumOf('unsigned'), requestObjectOption(true)], description: 'unsigned: the parameters also as an unsigned request object; true or edits: the parameters inside a signed request object by value (request-object.ts)' },
  par: { type: ['string', 'boolean'], description: 'the par step whose request_uri is sent (true: the latest; false: none)' },
  method: HTTP_METHOD,
  duplicate: { ...STRINGS, description: 'parameters sent twice (RFC 6749 §3.1)' },
  pkce_verifier_length: { type: 'integer', minimum: 1, maximum: 200, description: 'the code_verifier\'s length in characters (RFC 7636 §4.1: 43 to 128)' },
  verifier_at_token: { ...enumOf('challenge'), description: 'challenge: the token step sends the code_challenge as code_verifier (a plain downgrade)' },
  redirect_uri_variant: { ...enumOf('extra-path', 'path-prefix', 'subdomain', 'extra-query', 'fragment', 'percent-encoded', 'userinfo', 'port', 'http'), description: 'the client\'s redirect_uri altered (RFC 9700 §4.1.3): a matcher that is not an exact string comparison may accept it' },
  response_mode: { ...enumOf('query', 'fragment', 'form_post', 'jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt'), description: 'response_mode sent; the response is decoded in that mode only (query, fragment, or the form POST body; a JARM mode: the verified response JWT\'s claims)' },
  jarm_profile: { ...enumOf('fapi2'), description: 'fapi2: a JARM response is also judged by the FAPI 2.0 rules (PS256/ES256/EdDSA, no parameter beside the JWT)' },
  ...SHAPE_PARAMS,
});
