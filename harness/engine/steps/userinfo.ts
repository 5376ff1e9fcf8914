// UserInfo (OIDC Core §5.3): GET or POST with the token in the Authorization header, or POST with
// the token as a form body parameter (RFC 6750 §2.2).
import { bearerChallengeOnError, essentialClaimsReturned, scopeClaimsReturned, userinfoMatchesSchema, userinfoSubMatchesIdToken } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { judgeErrorResponse, shapeHeaders, shapeParams, StepAbort, type ModuleRun } from '../module-run.ts';

export async function userinfo(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const method = ((w.method as string) ?? 'GET').toUpperCase();
  const via = (w.via as string) ?? 'header';
  const tokens = w.token === undefined ? run.output('token', w.token_from as string | undefined) : undefined;
  const accessToken = (w.token as string | undefined) ?? tokens?.accessToken;
  if (accessToken === undefined) throw new StepAbort('no access token to call userinfo with');
  const headers = shapeHeaders({ accept: 'application/json', authorization: via === 'header' ? `Bearer ${accessToken}` : undefined }, w);
  const body = method === 'POST' ? shapeParams(via === 'body' ? { access_token: accessToken } : {}, w) : undefined;
  const ex = await run.http.send(run.endpoint('userinfo_endpoint'), { step: step.id!, label: `userinfo ${method} (token in ${via})`, method, headers, body: body ?? undefined });
  const res = run.response(ex);
  const e = step.expect;
  if (e?.error || e?.status) {
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse({ ...e, error: undefined }, res, [401]), ex.id);
    run.add(bearerChallengeOnError({ status: res.status, headers: res.headers, expectError: e.error?.[0] }, ex.id));
    return;
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
