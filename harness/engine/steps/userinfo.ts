// UserInfo (OIDC Core §5.3): GET or POST with the token in the Authorization header, or POST with
// the token as a form body parameter (RFC 6750 §2.2), or (`via: query`) in the URI query (§2.3).
import { bearerChallengeOnError, bearerStatusMatchesError, dpopChallengeScheme, parseWwwAuthenticate, essentialClaimsReturned, scopeClaimsReturned, userinfoMatchesSchema, userinfoSubMatchesIdToken } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { judgeErrorResponse, shapeHeaders, shapeParams, StepAbort, type ModuleRun } from '../module-run.ts';
import { dpopOptions, sendWithDpop } from '../dpop.ts';
import { BOUND, CERT, DPOP, enumOf, HTTP_METHOD, lettercase, options, SHAPE_REQUEST, STEP_REF, STRING, STRINGS } from './options.ts';

export async function userinfo(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const method = ((w.method as string) ?? 'GET').toUpperCase();
  const via = (w.via as string) ?? 'header';
  const tokens = w.token === undefined ? run.output('token', w.token_from as string | undefined) : undefined;
  const accessToken = (w.token as string | undefined) ?? tokens?.accessToken;
  if (accessToken === undefined) throw new StepAbort('no access token to call userinfo with');
  // `with.dpop`: the DPoP scheme and a proof with ath (RFC 9449 §7.1); `with.scheme` overrides the scheme.
  // `with.scheme_case: lower`: the scheme spelled in lower case (RFC 9110 §11.1: case-insensitive).
  const scheme = lettercase((w.scheme as string | undefined) ?? (dpopOptions(step) ? 'DPoP' : 'Bearer'), w.scheme_case);
  const headers = shapeHeaders({ accept: 'application/json', authorization: via === 'header' ? `${scheme} ${accessToken}` : undefined }, w);
  const body = method === 'POST' ? shapeParams(via === 'body' ? { access_token: accessToken } : {}, w) : undefined;
    // RFC 8705 §3: a certificate-bound token goes with its client's certificate (mtls alias, §5).
    const role = tokens?.client ?? 'main';
    const cert = run.certFor(step, role);
    const endpoint = run.endpointFor('userinfo_endpoint', step, role);
    // RFC 6750 §2.3: access_token as a URI query parameter (the method clients SHOULD NOT use).
    const url = via === 'query' ? `${endpoint}${endpoint.includes('?') ? '&' : '?'}access_token=${encodeURIComponent(accessToken)}` : endpoint;
    const ex = await sendWithDpop(run, step, { method, url: endpoint, accessToken }, (dpop) => run.http.send(url, { step: step.id!, label: `userinfo ${method} (token in ${via})`, method, headers: { ...headers, ...dpop }, body: body ?? undefined, cert }));
  const res = run.response(ex);
  const e = step.expect;
  if (e?.error || e?.status) {
    // RFC 6750 §3: a protected resource's error code is in its WWW-Authenticate challenge.
    const challengeError = parseWwwAuthenticate(res.headers['www-authenticate'] ?? '').challenges.map((c) => c.params.error).find((x) => typeof x === 'string');
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse(e, { ...res, json: { error: challengeError } }, [401]), ex.id);
    // The challenge rules (RFC 9449 §7.1, RFC 6750 §3) bind a resource that refuses a request: a
    // success is judged by the step's expectation alone (its cite gives the level, e.g. the SHOULD
    // of RFC 6749 §4.1.2 on revoking tokens after a code reuse), never by a challenge check.
    if (res.status < 400) return;
    if (scheme === 'DPoP') run.add(dpopChallengeScheme({ status: res.status, headers: res.headers }, ex.id));
    else run.add(bearerChallengeOnError({ status: res.status, headers: res.headers, expectError: e.error?.[0] }, ex.id), bearerStatusMatchesError({ status: res.status, headers: res.headers }, ex.id));
    return;
  }
  // RFC 6750 §2.2: the form-body method is a MAY. A refusal of it is "not supported": the step's
  // MAY citation makes the finding information, and the flow stops there.
  if (via === 'body' && res.status >= 400 && res.status < 500) {
    run.succeeded(step, false, `userinfo refused the access token sent as a form body parameter: HTTP ${res.status}`, ex.id);
    throw new StepAbort(`userinfo refused the form-body token: HTTP ${res.status}`);
  }
  const shape = userinfoMatchesSchema({ status: res.status, contentType: res.headers['content-type'], json: res.json ?? res.body }, ex.id);
  run.add(shape);
  run.succeeded(step, shape.ok, shape.ok ? 'userinfo answered with claims' : `userinfo failed: HTTP ${res.status} ${res.body.slice(0, 200)}`, ex.id);
  if (!shape.ok) throw new StepAbort(`userinfo failed: HTTP ${res.status}`);
  // with.scope_claims / with.essential_claims: claims the End-User has that must come back.
  const json = res.json;
  if (Array.isArray(w.scope_claims)) run.add(scopeClaimsReturned({ claims: json, expected: w.scope_claims as string[] }, ex.id));
  if (Array.isArray(w.essential_claims)) run.add(essentialClaimsReturned({ claims: json, expected: w.essential_claims as string[] }, ex.id));
  if (tokens?.idTokenClaims) {
    run.add(userinfoSubMatchesIdToken({ userinfoSub: (res.json as { sub?: unknown }).sub, idTokenSub: tokens.idTokenClaims.sub }, ex.id));
  }
}

/** `with` of `userinfo`. */
export const userinfoOptions = options({
  method: HTTP_METHOD,
  via: enumOf('header', 'body', 'query'),
  token: STRING,
  token_from: STEP_REF,
  scheme: STRING,
  scheme_case: enumOf('lower'),
  dpop: DPOP,
  bound: BOUND,
  scope_claims: STRINGS,
  essential_claims: STRINGS,
  cert: CERT,
  ...SHAPE_REQUEST,
});
