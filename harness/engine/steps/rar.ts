// Rich Authorization Requests (RFC 9396). The details are plan data (`authorization_details:` named
// arrays; a step sends one as `params: { authorization_details: '${authorization_details.granted}' }`).
//   rar-details  judge what an earlier token step got for the plan's `with.details` array: the token
//                response's authorization_details (§7), and with `introspect: true` the access
//                token's introspection response (§9.2), the token's client authenticating (RFC 7662 §2.1)
import { introspectionResponseMatchesSchema, rarIntrospectionDetails, rarTokenResponseDetails } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { NotApplicable, StepAbort, type ModuleRun } from '../module-run.ts';
import { clientAuthentication } from './token.ts';
import { BOOLEAN, options, STEP_REF, STRING } from './options.ts';

export async function rarDetails(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const name = (w.details as string | undefined) ?? 'granted';
  const requested = run.ctx.plan.authorization_details?.[name];
  if (!requested) throw new NotApplicable(`needs plan authorization_details.${name}`);
  const from = run.output('token', w.from as string | undefined);
  const tokenCheck = rarTokenResponseDetails({ json: from.json, requested });
  run.add(tokenCheck);
  if (w.introspect !== true) {
    run.succeeded(step, tokenCheck.ok, tokenCheck.message);
    return;
  }
  if (!from.accessToken) throw new StepAbort(`step "${(w.from as string) ?? 'token'}" issued no access token`);
  const client = run.client(from.client);
  const auth = await clientAuthentication(client, run.ctx.issuer);
  const ex = await run.http.send(run.endpoint('introspection_endpoint'), {
    step: step.id!, label: `introspection request (access token, as ${client.client_id})`, method: 'POST',
    headers: { accept: 'application/json', ...auth.headers }, body: { token: from.accessToken, ...auth.form },
  });
  const res = run.response(ex);
  const json = res.json ?? res.body;
  run.add(introspectionResponseMatchesSchema({ status: res.status, contentType: res.headers['content-type'], json }, ex.id));
  const check = rarIntrospectionDetails({ json, requested }, ex.id);
  run.add(check);
  run.succeeded(step, tokenCheck.ok && check.ok, tokenCheck.ok ? check.message : tokenCheck.message, ex.id);
}

/** `with` of `rar-details`. */
export const rarDetailsOptions = options({
  from: STEP_REF,
  details: { ...STRING, description: 'the plan authorization_details array the request sent (default granted)' },
  introspect: BOOLEAN,
});
