// Pushed authorization requests (RFC 9126): the `par` step pushes the authorization request's
// parameters to the pushed_authorization_request_endpoint with the plan client's authentication
// (and `with.dpop` proofs, RFC 9449 §10.1); a later `authorize` step with `with.par` sends only
// client_id and the request_uri. `authorize-start` opens /authorize back-channel without logging in.
import { errorResponseMatchesSchema, parResponseMatchesSchema } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { resolveSteps } from '../resolve.ts';
import { judgeDpopTokenResponse, sendWithDpop } from '../dpop.ts';
import { formEncode } from '../http.ts';
import { judgeErrorResponse, NotApplicable, randomToken, shapeHeaders, shapeParams, StepAbort, type ModuleRun, type ParOutput } from '../module-run.ts';
import { htmlMatchesPage } from '../page-match.ts';
import { pkcePair, requestScope, resourceIndicator } from './authorize.ts';
import { jarmVariantMode } from './jarm.ts';
import { paramsOf, rememberRequestObject, requestObjectClaims, requestObjectEdit, requestObjectOption, signRequestObject } from './request-object.ts';
import { assertionAudience, clientAuthentication, reissueAssertion, type AssertionOptions } from './token.ts';
import { ASSERTION, CERT, CLIENT, DPOP, enumOf, HTTP_METHOD, options, SECRET, SHAPE_REQUEST, STEP_REF, STRING, STRINGS } from './options.ts';

/**
 * `with`: client (role), scope, pkce (S256 | plain | none), redirect_uri, params / drop (as in
 * authorize), assertion (client assertion mutations), method (GET for the negative),
 * duplicate: [names] (each sent twice, the second time with another value), dpop,
 * request_object (the parameters inside a signed request object, request-object.ts).
 */
export async function par(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const role = (w.client as string) ?? 'main';
  const client = run.client(role);
  // RFC 8705 §5: a mutual-TLS client pushes to the endpoint's mtls alias, with its certificate.
  const url = run.endpointFor('pushed_authorization_request_endpoint', step, role);
  const cert = run.certFor(step, role);
  const pkce = pkcePair((w.pkce as string) ?? 'S256');
  const scope = requestScope(w, client);
  const params = shapeParams(
    {
      response_type: 'code',
      client_id: client.client_id,
      redirect_uri: (w.redirect_uri as string) ?? client.redirect_uri,
      scope,
      state: randomToken(16),
      // OIDC Core §3.1.2.1: nonce is an OpenID Connect parameter; a plain OAuth request (no openid scope) sends none.
      nonce: scope.split(' ').includes('openid') ? randomToken(16) : undefined,
      code_challenge: pkce.challenge,
      code_challenge_method: pkce.method,
      // The plan variant response_mode: jarm pushes response_mode=jwt (steps/jarm.ts).
      response_mode: jarmVariantMode(run),
      resource: resourceIndicator(run, client),
    },
    w,
  );
  // The request_uri lives only expires_in seconds (a few in the plans): open the browser first when
  // a later authorize step of this module will use it, so its start-up is not spent from that time.
  if (laterAuthorizeUses(run, step)) await run.browser();
  const mutate = w.assertion as AssertionOptions | undefined;
  const auth = await clientAuthentication(client, assertionAudience(mutate?.aud, run.ctx.issuer, run.discovery), w.secret as string | undefined, mutate);
  // with.request_object: the parameters travel inside a signed request object (RFC 9126 §3,
  // RFC 9101 §4), with client_id and `outside` parameters beside it.
  // The plan variant request_method: signed (FAPI 2.0 Message Signing §5.3.1; the OIDF plan's
  // fapi_request_method): every pushed request is a signed request object unless the step says
  // request_object: false.
  const ro = requestObjectEdit(w.request_object ?? (run.ctx.plan.variants?.request_method === 'signed' ? true : undefined));
  let pushedParams = params;
  let sent = params;
  if (ro) {
    const claims = requestObjectClaims(client, run.ctx.issuer, params, ro);
    const request = await signRequestObject(ro.sign_with ? run.client(ro.sign_with) : client, claims, ro);
    pushedParams = { client_id: client.client_id, request, ...ro.outside };
    sent = paramsOf(claims);
  }
  let form = { ...pushedParams, ...auth.form };
  // RFC 6749 §3.1: a parameter sent twice (the negative for RFC 9126 §2.1).
  const encode = (f: Record<string, string>) => {
    let b = formEncode(f);
    for (const name of (w.duplicate as string[] | undefined) ?? []) b += `&${encodeURIComponent(name)}=${encodeURIComponent(`${f[name] ?? 'x'}-again`)}`;
    return b;
  };
  const get = ((w.method as string) ?? 'POST').toUpperCase() === 'GET';
  const headers = shapeHeaders({ accept: 'application/json', ...auth.headers, ...(get ? {} : { 'content-type': 'application/x-www-form-urlencoded' }) }, w);
  const ex = await sendWithDpop(run, step, { method: get ? 'GET' : 'POST', url }, async (dpop, retry) => {
    // A nonce retry carries a fresh client assertion (new jti, RFC 7523 §3 item 7).
    if (retry) form = await reissueAssertion(form, client);
    const body = encode(form);
    return run.http.send(get ? `${url}?${body}` : url, { step: step.id!, label: 'pushed authorization request', method: get ? 'GET' : 'POST', headers: { ...headers, ...dpop }, ...(get ? {} : { body }), cert });
  });
  const res = run.response(ex);
  const out: ParOutput = { kind: 'par', client: role, params: sent, verifier: pkce.verifier };
  if (ro) rememberRequestObject(out, { inside: sent, outside: ro.outside ?? {} });
  run.outputs.set(step.id!, out);
  const e = step.expect;
  if (e?.error || e?.status) {
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse(e, res, [400, 401]), ex.id);
    if (res.status === 400 || res.status === 401) run.add(errorResponseMatchesSchema({ status: res.status, json: res.json ?? res.body, contentType: res.headers['content-type'] }, ex.id));
    // A DPoP refusal at PAR is judged as at the token endpoint (RFC 9449 §10.1 → §5, §8).
    judgeDpopTokenResponse(run, step, res, ex.id, true);
    return;
  }
  const schema = parResponseMatchesSchema({ status: res.status, contentType: res.headers['content-type'], json: res.json ?? res.body }, ex.id);
  run.add(schema);
  const json = res.json as { request_uri?: unknown; expires_in?: unknown } | undefined;
  const ok = res.status >= 200 && res.status < 300 && typeof json?.request_uri === 'string';
  run.succeeded(step, ok, ok ? 'the OP issued a request_uri' : `the pushed authorization request failed: HTTP ${res.status} ${res.body.slice(0, 200)}`, ex.id);
  if (!ok) throw new StepAbort(`the pushed authorization request failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  out.requestUri = json!.request_uri as string;
  out.expiresIn = typeof json!.expires_in === 'number' ? json!.expires_in : undefined;
  out.receivedAt = Date.now();
}

function laterAuthorizeUses(run: ModuleRun, step: StepDef): boolean {
  if (step.expect?.error || step.expect?.status) return false;
  let steps: StepDef[];
  try {
    steps = resolveSteps(run.mod, run.ctx.catalog);
  } catch {
    return false;
  }
  const i = steps.findIndex((s) => s.id === step.id);
  return steps.slice(i + 1).some((s) => s.do === 'authorize' && (s.with?.par === step.id || s.with?.par === true));
}

/**
 * Open the authorization endpoint with a pushed request_uri, back-channel and without following
 * redirects: the OP must start its login interaction (a redirect within the OP, or its login page),
 * not refuse the request. Used to show a request_uri survives a reload before login (RFC 9126 §4).
 */
export async function authorizeStart(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const p = run.output('par', typeof w.par === 'string' ? w.par : undefined);
  if (!p.requestUri) throw new StepAbort('the par step issued no request_uri');
  const url = new URL(run.endpoint('authorization_endpoint'));
  url.searchParams.set('client_id', run.client(p.client).client_id);
  url.searchParams.set('request_uri', p.requestUri);
  const ex = await run.http.send(url.toString(), { step: step.id!, label: 'authorization request (not followed)', method: 'GET', headers: { accept: 'text/html' } });
  const res = run.response(ex);
  const location = res.headers.location;
  const opOrigin = new URL(run.ctx.issuer).origin;
  const staysAtOp = location !== undefined && URL.canParse(location, url) && new URL(location, url).origin === opOrigin;
  // A 200 is the login page unless it is the OP's error page, as the plan's browser.pages.error says.
  const errorPage = run.ctx.plan.browser.pages.error;
  if (res.status === 200 && !errorPage) throw new NotApplicable('needs plan browser.pages.error (to tell the OP\'s error page from its login page)');
  const isError = res.status === 200 && (await htmlMatchesPage(run.ctx.pool, res.body, errorPage!));
  const ok = (res.status >= 300 && res.status < 400 && staysAtOp) || (res.status === 200 && !isError);
  const got = location ? `HTTP ${res.status} to ${location.replace(/([?&](code|error_description)=)[^&]*/g, '$1...')}` : `HTTP ${res.status}`;
  run.expectation(step, `${step.id}-interaction-started`, {
    ok,
    message: ok ? `the OP started its login interaction (${got})` : `expected the OP to start its login interaction, got ${got}`,
    expected: 'a redirect within the OP (login) or its login page',
    actual: { status: res.status, location: location ?? null },
  }, ex.id);
}

/** `with` of `par`. */
export const parOptions = options({
  client: CLIENT,
  scope: STRING,
  scope_add: { ...STRINGS, description: 'scope values appended to the client\'s (or with.scope)' },
  scope_order: enumOf('reversed'),
  pkce: enumOf('S256', 'plain', 'none'),
  redirect_uri: STRING,
  assertion: ASSERTION,
  secret: SECRET,
  duplicate: { ...STRINGS, description: 'parameters sent twice (RFC 6749 §3.1)' },
  method: HTTP_METHOD,
  dpop: DPOP,
  cert: CERT,
  request_object: requestObjectOption(true),
  ...SHAPE_REQUEST,
});

/** `with` of `authorize-start`. */
export const authorizeStartOptions = options({ par: STEP_REF });
