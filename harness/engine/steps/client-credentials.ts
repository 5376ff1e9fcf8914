// Grants without an End-User redirect, as a careful client sends them:
// - `client-credentials` (RFC 6749 §4.4): the plan client authenticates with its registered method
//   and asks for `with.scope` (default: the plan client's scope); the response must be a proper
//   token response (§5.1) without a refresh token (§4.4.3) and within the requested scope (§3.3).
// - `password` (RFC 6749 §4.3): the resource owner password credentials grant, for probing that a
//   provider refuses it (RFC 9700 §2.4); the plan user's credentials are sent, masked in reports.
// Both store a TokenOutput, so later steps (introspect, revoke, userinfo) use the access token.
// `with.params` / `with.drop` / `with.headers` shape the request like every other step.
import { clientCredentialsNoRefreshToken, errorResponseMatchesSchema, grantedScopeWithinRequest, unavailableScopeNotGranted } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { judgeErrorResponse, shapeHeaders, shapeParams, type ModuleRun } from '../module-run.ts';
import { maskIssuedSecrets } from './register.ts';
import { clientAuthentication, postToTokenEndpoint } from './token.ts';
import { CLIENT, DPOP, options, SECRET, STRING, STRINGS, TOKEN_REQUEST, USER } from './options.ts';

export async function clientCredentials(run: ModuleRun, step: StepDef): Promise<void> {
  try {
    await clientCredentialsGrant(run, step);
  } finally {
    maskIssuedSecrets(run); // a registered client's secret went out in this request
  }
}

async function clientCredentialsGrant(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const role = (w.client as string) ?? 'main';
  const client = run.client(role);
  const auth = await clientAuthentication(client, run.ctx.issuer, w.secret as string | undefined);
  const scope = (w.scope as string | undefined) ?? client.scope;
  const form = shapeParams({ grant_type: 'client_credentials', scope, ...auth.form }, w);
  const headers = shapeHeaders({ accept: 'application/json', ...auth.headers }, w);
  if (Array.isArray(w.not_granted)) return unavailableScope(run, step, role, form, headers, w.not_granted as string[]);
  const sent = await postToTokenEndpoint(run, step, role, 'client credentials request', form, headers);
  if (!sent) return;
  const { out, json, exId } = sent;
  out.accessToken = typeof json.access_token === 'string' ? json.access_token : undefined;
  // A refresh token is recorded (so a module can show it works), but its presence is a finding.
  out.refreshToken = typeof json.refresh_token === 'string' ? json.refresh_token : undefined;
  run.add(clientCredentialsNoRefreshToken(json, exId), grantedScopeWithinRequest({ requested: form.scope, json }, exId));
  run.succeeded(step, true, 'access token issued to the client', exId);
}

export async function password(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const role = (w.client as string) ?? 'main';
  const client = run.client(role);
  const user = run.user((w.user as string) ?? 'main');
  const auth = await clientAuthentication(client, run.ctx.issuer, w.secret as string | undefined);
  const form = shapeParams({ grant_type: 'password', username: user.username, password: user.password, scope: (w.scope as string | undefined) ?? 'openid', ...auth.form }, w);
  const headers = shapeHeaders({ accept: 'application/json', ...auth.headers }, w);
  const sent = await postToTokenEndpoint(run, step, role, 'password grant request', form, headers);
  if (!sent) return;
  const { out, json, exId } = sent;
  out.accessToken = typeof json.access_token === 'string' ? json.access_token : undefined;
  run.succeeded(step, true, 'access token issued for the resource owner credentials', exId);
}

/**
 * `with.not_granted`: scopes in the request the client cannot get. RFC 6749 §3.3 lets the server
 * refuse (§5.2 invalid_scope) or narrow the scope (then `scope` MUST name what was granted): both
 * answers are accepted, a grant of the unavailable scopes is not.
 */
async function unavailableScope(run: ModuleRun, step: StepDef, role: string, form: Record<string, string>, headers: Record<string, string>, notGranted: string[]): Promise<void> {
  const url = run.endpointFor('token_endpoint', step, role);
  const ex = await run.http.send(url, { step: step.id!, label: 'client credentials request (a scope the client cannot get)', method: 'POST', headers, body: form, cert: run.certFor(step, role) });
  const res = run.response(ex);
  const json = res.json as Record<string, unknown> | undefined;
  run.outputs.set(step.id!, { kind: 'token', client: role, json, accessToken: typeof json?.access_token === 'string' ? json.access_token : undefined });
  if (res.status >= 400) {
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse({ error: ['invalid_scope'] }, res, [400]), ex.id, 'RFC6749-3.3-scope');
    run.add(errorResponseMatchesSchema({ status: res.status, json: res.json ?? res.body, contentType: res.headers['content-type'] }, ex.id));
    return;
  }
  run.add(unavailableScopeNotGranted({ requested: form.scope ?? '', notGranted, json: res.json ?? res.body }, ex.id));
}

/** `with` of `client-credentials`. */
export const clientCredentialsOptions = options({
  client: CLIENT,
  secret: SECRET,
  scope: STRING,
  not_granted: { ...STRINGS, description: 'scopes in the request the client cannot get (RFC 6749 §3.3)' },
  dpop: DPOP,
  ...TOKEN_REQUEST,
});

/** `with` of `password`. */
export const passwordOptions = options({ client: CLIENT, user: USER, secret: SECRET, scope: STRING, dpop: DPOP, ...TOKEN_REQUEST });
