// The refresh_token grant (RFC 6749 §6, OIDC Core §12): exchange an earlier step's refresh token,
// as the same client unless the module swaps it; on success, rotation is checked (RFC 9700 §4.14.2).
import { refreshTokenRotated, refreshTokenRotatedOptional } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { shapeHeaders, shapeParams, StepAbort, type ModuleRun } from '../module-run.ts';
import { acceptTokens, clientAuthentication, postToTokenEndpoint } from './token.ts';
import { CLIENT, DPOP, ID_TOKEN_OPTIONS, options, SECRET, STEP_REF, TOKEN_REQUEST } from './options.ts';

/** The refresh_token request for an earlier token step's refresh token (shared with the race step). */
export async function refreshGrantRequest(run: ModuleRun, step: StepDef) {
  const w = step.with ?? {};
  const from = run.output('token', w.from as string | undefined);
  const role = (w.client as string) ?? from.client;
  const client = run.client(role);
  const refreshToken = from.refreshToken;
  if (!refreshToken) throw new StepAbort(`step "${(w.from as string) ?? 'token'}" issued no refresh_token`);
  const auth = await clientAuthentication(client, run.ctx.issuer, w.secret as string | undefined);
  const form = shapeParams({ grant_type: 'refresh_token', refresh_token: refreshToken, ...auth.form }, w);
  const headers = shapeHeaders({ accept: 'application/json', ...auth.headers }, w);
  return { refreshToken, role, client, form, headers };
}

export async function refresh(run: ModuleRun, step: StepDef): Promise<void> {
  const { refreshToken, role, client, form, headers } = await refreshGrantRequest(run, step);
  const original = run.output('token', step.with?.from as string | undefined);
  const sent = await postToTokenEndpoint(run, step, role, 'refresh token request', form, headers);
  if (!sent) return;
  const { out, json, exId } = sent;
  run.succeeded(step, true, 'tokens refreshed', exId);
  // RFC 9700 §4.14.2: rotation is required only of public clients whose refresh tokens are not sender-constrained.
  const rotationRequired = client.auth === 'none' && !step.with?.dpop;
  run.add((rotationRequired ? refreshTokenRotated : refreshTokenRotatedOptional)({ previous: refreshToken, json }, exId));
  await acceptTokens(run, step, out, json, client, typeof json.id_token === 'string', { refreshOf: original }, exId);
}

/** `with` of `refresh`. */
export const refreshOptions = options({ from: STEP_REF, client: CLIENT, secret: SECRET, dpop: DPOP, ...ID_TOKEN_OPTIONS, ...TOKEN_REQUEST });
