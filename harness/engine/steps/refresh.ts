// The refresh_token grant (RFC 6749 §6, OIDC Core §12): exchange an earlier step's refresh token,
// as the same client unless the module swaps it; on success, rotation is checked (RFC 9700 §4.14.2).
import { errorResponseMatchesSchema, refreshTokenRotated, tokenResponseMatchesSchema, tokenResponseNoStore } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { judgeErrorResponse, shapeHeaders, shapeParams, StepAbort, type ModuleRun, type TokenOutput } from '../module-run.ts';
import { acceptTokens, clientAuthentication } from './token.ts';

export async function refresh(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const from = run.output('token', w.from as string | undefined);
  const role = (w.client as string) ?? from.client;
  const client = run.client(role);
  if (!from.refreshToken) throw new StepAbort(`step "${(w.from as string) ?? 'token'}" issued no refresh_token`);
  const auth = await clientAuthentication(client, run.ctx.issuer, w.secret as string | undefined);
  const form = shapeParams({ grant_type: 'refresh_token', refresh_token: from.refreshToken, ...auth.form }, w);
  const headers = shapeHeaders({ accept: 'application/json', ...auth.headers }, w);
  const ex = await run.http.send(run.endpoint('token_endpoint'), { step: step.id!, label: 'refresh token request', method: 'POST', headers, body: form });
  const res = run.response(ex);
  const out: TokenOutput = { kind: 'token', client: role, json: res.json as Record<string, unknown> | undefined };
  run.outputs.set(step.id!, out);
  const e = step.expect;
  if (e?.error || e?.status) {
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse(e, res, [400, 401]), ex.id);
    if (res.status >= 400) run.add(errorResponseMatchesSchema({ status: res.status, json: res.json ?? res.body, contentType: res.headers['content-type'] }, ex.id));
    return;
  }
  const schema = tokenResponseMatchesSchema({ status: res.status, contentType: res.headers['content-type'], json: res.json ?? res.body }, ex.id);
  run.add(schema, tokenResponseNoStore(res.headers, ex.id));
  run.succeeded(step, schema.ok, schema.ok ? 'tokens refreshed' : `the refresh failed: HTTP ${res.status} ${res.body.slice(0, 200)}`, ex.id);
  if (!schema.ok) throw new StepAbort(`the refresh failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  const json = res.json as Record<string, unknown>;
  run.add(refreshTokenRotated({ previous: from.refreshToken, json }, ex.id));
  await acceptTokens(run, step, out, json, client, typeof json.id_token === 'string', undefined, ex.id);
}
