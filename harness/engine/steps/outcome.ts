// `outcome`: send one token request where the specs allow more than one answer, and report which
// answer came (information, never a failure unless the answer is neither). `with.grant`:
// - `refresh_token`: the refresh request of the latest (or `from`) token step, e.g. after its access
//   token was revoked (RFC 7009 §2.1: the AS MAY also revoke the refresh token);
// - `authorization_code`: the token request of the latest (or `from`) authorize step, e.g. after a
//   refused token request for the same code (RFC 6749 is silent on what happens to the code).
// `with.after` names the situation for the report (`access_revoked` | `refused_request`).
import { codeAfterRefusedRequest, refreshAfterAccessRevoked } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { StepAbort, type ModuleRun } from '../module-run.ts';
import { refreshGrantRequest } from './refresh.ts';
import { codeGrantRequest } from './token.ts';
import { ASSERTION, CLIENT, enumOf, options, SECRET, SHAPE_REQUEST, STEP_REF } from './options.ts';

export async function outcome(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const grant = w.grant;
  if (grant !== 'refresh_token' && grant !== 'authorization_code') throw new StepAbort(`outcome: grant must be refresh_token or authorization_code, got ${String(grant)}`);
  const { form, headers } = grant === 'refresh_token' ? await refreshGrantRequest(run, step) : await codeGrantRequest(run, step);
  const ex = await run.http.send(run.endpoint('token_endpoint'), { step: step.id!, label: `${grant === 'refresh_token' ? 'refresh request' : 'token request'} (which answer is reported)`, method: 'POST', headers, body: form });
  const res = run.response(ex);
  const json = res.json as Record<string, unknown> | undefined;
  const input = { status: res.status, error: typeof json?.error === 'string' ? json.error : undefined, tokens: typeof json?.access_token === 'string' };
  run.add(grant === 'refresh_token' ? refreshAfterAccessRevoked(input, ex.id) : codeAfterRefusedRequest(input, ex.id));
}

/** `with` of `outcome`. */
export const outcomeOptions = options({ grant: enumOf('refresh_token', 'authorization_code'), from: STEP_REF, client: CLIENT, secret: SECRET, assertion: ASSERTION, ...SHAPE_REQUEST }, ['grant']);
