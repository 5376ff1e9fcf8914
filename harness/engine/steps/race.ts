// Races (beyond the OIDF suite): the same one-time credential redeemed by several requests at
// once. `with.grant: authorization_code` sends the token request of the latest authorize step,
// `refresh_token` the refresh request of the latest token step, `with.copies` times (default 8)
// concurrently, exactly as the token / refresh steps build them. Exactly one may succeed.
// `with.grant: client_credentials` races a one-time JWT id instead (`with.same`):
// - `client_assertion`: one private_key_jwt assertion (one jti) on every copy (OIDC Core §9,
//   RFC 7523 §3 item 7); with `dpop: true` each copy also carries its own DPoP proof;
// - `dpop_proof`: one DPoP proof (one jti) on every copy, each copy with its own client
//   authentication (a fresh assertion jti) so only the proof repeats (RFC 9449 §11.1); when every
//   copy is asked for a server nonce (§8), the race runs again with a proof carrying it.
// For these, one more copy goes out after the race answered: whether it is refused says whether
// the server keeps the jti at all (evidence in the finding's message).
// `with.grant: device_code` / `ciba` polls the token endpoint with the handle of the latest (or
// `from`) device-authorization / ciba-request step, once the End-User approved it and the poll
// interval has passed: `copies` polls at once, each with its own client authentication (a fresh
// assertion jti for private_key_jwt), so only the handle repeats (RFC 8628 §3.5, CIBA §10.1,
// RFC 6749 §10.5: one-time grants).
// `with.across: instances` splits the copies round-robin over the provider's instances (plan
// `provider.instances`): the same path at each instance's base URL. The proofs' htu and the
// assertions' aud stay the issuer's URLs: the instances share one issuer.
import { assertionUsedOnceConcurrently, authReqIdRedeemedOnceConcurrently, codeRedeemedOnceConcurrently, deviceCodeRedeemedOnceConcurrently, dpopProofUsedOnceConcurrently, refreshRedeemedOnceConcurrently } from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { buildProof, nonceChallenge } from '../dpop.ts';
import { describeExchangeFailure } from '../http.ts';
import { shapeHeaders, shapeParams, StepAbort, type ModuleRun } from '../module-run.ts';
import { CIBA_GRANT, cibaStateOf } from './ciba.ts';
import { DEVICE_CODE_GRANT, deviceStateOf, sleep } from './device.ts';
import { refreshGrantRequest } from './refresh.ts';
import { clientAuthentication, codeGrantRequest, reissueAssertion } from './token.ts';
import { ASSERTION, CLIENT, enumOf, options, SECRET, SHAPE_REQUEST, STEP_REF, STRING } from './options.ts';

const MAX_COPIES = 32;

type Request = { form: Record<string, string>; headers: Record<string, string> };

export async function race(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const copies = Number(w.copies ?? 8);
  if (!Number.isInteger(copies) || copies < 2 || copies > MAX_COPIES) throw new StepAbort(`race: copies must be an integer from 2 to ${MAX_COPIES}, got ${String(w.copies)}`);
  const grant = w.grant;
  if (grant !== 'authorization_code' && grant !== 'refresh_token' && grant !== 'client_credentials' && grant !== 'device_code' && grant !== 'ciba') {
    throw new StepAbort(`race: grant must be authorization_code, refresh_token, client_credentials, device_code or ciba, got ${String(grant)}`);
  }
  const url = run.endpoint('token_endpoint');
  const urls = copyUrls(run, url, copies, w.across);
  let requests: Request[];
  let same: 'client_assertion' | 'dpop_proof' | undefined;
  if (grant === 'client_credentials') {
    if (w.same !== 'client_assertion' && w.same !== 'dpop_proof') throw new StepAbort(`race: grant client_credentials needs same: client_assertion or dpop_proof, got ${String(w.same)}`);
    same = w.same;
    requests = await credentialsRequests(run, step, url, copies, same);
  } else if (grant === 'device_code' || grant === 'ciba') {
    requests = await polledRequests(run, step, grant, copies);
  } else {
    const { form, headers } = grant === 'refresh_token' ? await refreshGrantRequest(run, step) : await codeGrantRequest(run, step);
    requests = Array.from({ length: copies }, () => ({ form, headers }));
  }
  const what = same ?? grant;
  const label = (i: number) => `${what} request ${i + 1} of ${copies} (concurrent${urls.instances > 1 ? `, instance ${urls.instanceOf[i] + 1} of ${urls.instances}` : ''})`;
  const sendAll = (reqs: Request[]) => Promise.all(reqs.map((r, i) => run.http.send(urls.of[i], { step: step.id!, label: label(i), method: 'POST', headers: r.headers, body: r.form })));
  let sent = await sendAll(requests);
  // RFC 9449 §8: a token endpoint that requires a server nonce answers every copy use_dpop_nonce;
  // the race runs once more with a proof carrying the nonce it gave (fresh assertions for the copies).
  const nonce = same === 'dpop_proof' && sent.every((ex) => nonceChallenge(ex)) ? nonceChallenge(sent[0]) : undefined;
  if (nonce) sent = await sendAll((requests = await credentialsRequests(run, step, url, copies, 'dpop_proof', nonce)));
  // A request with no answer (a timeout, a reset) says nothing about the exactly-once rule: unless
  // two were already served (redeemed twice, whatever the rest did), the step stops on the cause.
  const answered = sent.filter((ex) => ex.response);
  const lost = sent.filter((ex) => !ex.response);
  const served = answered.filter((ex) => ex.response!.status >= 200 && ex.response!.status < 300);
  if (lost.length > 0 && served.length < 2) {
    throw new StepAbort(`${lost.length} of ${copies} concurrent requests got no answer: ${describeExchangeFailure(lost[0])}`);
  }
  const statuses = answered.map((ex) => ex.response!.status);
  const at = (served[0] ?? answered[0]).id;
  if (grant === 'authorization_code') return void run.add(codeRedeemedOnceConcurrently({ statuses }, at));
  if (grant === 'refresh_token') return void run.add(refreshRedeemedOnceConcurrently({ statuses }, at));
  if (grant === 'device_code') return void run.add(deviceCodeRedeemedOnceConcurrently({ statuses }, at));
  if (grant === 'ciba') return void run.add(authReqIdRedeemedOnceConcurrently({ statuses }, at));
  // One more copy once all answered, at the first instance: is the jti remembered at all?
  const again = requests[0];
  const after = await run.http.send(urls.of[0], { step: step.id!, label: `${what} request sent once more after the race`, method: 'POST', headers: again.headers, body: again.form });
  const replay = after.response?.status;
  const input = { statuses, ...(replay !== undefined ? { replay } : {}) };
  run.add(same === 'client_assertion' ? assertionUsedOnceConcurrently(input, at) : dpopProofUsedOnceConcurrently(input, at));
}

/**
 * client_credentials requests that share one JWT id: the same client assertion on every copy, or
 * the same DPoP proof (htu: the token endpoint as discovery names it) with a fresh assertion each.
 */
async function credentialsRequests(run: ModuleRun, step: StepDef, url: string, copies: number, same: 'client_assertion' | 'dpop_proof', nonce?: string): Promise<Request[]> {
  const w = step.with ?? {};
  const role = (w.client as string) ?? 'main';
  const client = run.client(role);
  if (same === 'client_assertion' && client.auth !== 'private_key_jwt') {
    throw new StepAbort(`race: same: client_assertion needs a private_key_jwt client; client "${role}" authenticates with ${client.auth}`);
  }
  const auth = await clientAuthentication(client, run.ctx.issuer, w.secret as string | undefined);
  const form = shapeParams({ grant_type: 'client_credentials', scope: (w.scope as string | undefined) ?? client.scope, ...auth.form }, w);
  const headers = shapeHeaders({ accept: 'application/json', ...auth.headers }, w);
  if (same === 'client_assertion') {
    // `with.dpop: true` (a token endpoint that requires DPoP, e.g. FAPI 2.0): each copy its own proof.
    if (w.dpop !== true) return Array.from({ length: copies }, () => ({ form, headers }));
    return Promise.all(Array.from({ length: copies }, async () => ({ form, headers: { ...headers, dpop: (await buildProof(run, {}, { method: 'POST', url })).proof } })));
  }
  // RFC 9449 §11.1: the jti repeats, nothing else does.
  const { proof } = await buildProof(run, {}, { method: 'POST', url }, nonce);
  return Promise.all(Array.from({ length: copies }, async (_, i) => ({ form: i === 0 ? form : await reissueAssertion(form, client), headers: { ...headers, dpop: proof } })));
}

/**
 * Polls of one approved device_code or auth_req_id, each copy with its own client authentication
 * (a fresh assertion for private_key_jwt). Waits out the poll interval first: a client never polls
 * faster (RFC 8628 §3.5, CIBA §7.3).
 */
async function polledRequests(run: ModuleRun, step: StepDef, grant: 'device_code' | 'ciba', copies: number): Promise<Request[]> {
  const w = step.with ?? {};
  const from = w.from as string | undefined;
  const state = grant === 'device_code' ? deviceStateOf(run, from) : cibaStateOf(run, from);
  const client = run.client((w.client as string | undefined) ?? state.client);
  await sleep(run, state.poller.untilNext());
  const handle = 'deviceCode' in state ? { grant_type: DEVICE_CODE_GRANT, device_code: state.deviceCode } : { grant_type: CIBA_GRANT, auth_req_id: state.authReqId };
  const auth = await clientAuthentication(client, run.ctx.issuer, w.secret as string | undefined);
  const form = shapeParams({ ...handle, ...auth.form }, w);
  const headers = shapeHeaders({ accept: 'application/json', ...auth.headers }, w);
  const fresh = client.auth === 'private_key_jwt';
  return Promise.all(Array.from({ length: copies }, async (_, i) => ({ form: i > 0 && fresh ? await reissueAssertion(form, client) : form, headers })));
}

/**
 * The URL each copy goes to: the endpoint itself, or with `across: instances` the same endpoint at
 * instance i mod n (the instance's base URL stands where the issuer stands in the endpoint URL).
 */
function copyUrls(run: ModuleRun, url: string, copies: number, across: unknown): { of: string[]; instanceOf: number[]; instances: number } {
  if (across === undefined) return { of: Array(copies).fill(url), instanceOf: Array(copies).fill(0), instances: 1 };
  if (across !== 'instances') throw new StepAbort(`race: across must be instances, got ${String(across)}`);
  const instances = run.ctx.instances;
  if (!instances || instances.length < 2) throw new StepAbort('race: across: instances needs several provider instances (plan provider.instances)');
  const instanceOf = Array.from({ length: copies }, (_, i) => i % instances.length);
  return { of: instanceOf.map((k) => atInstance(url, run.ctx.issuer, instances[k])), instanceOf, instances: instances.length };
}

/** `url` (an endpoint of `issuer`) at the instance whose base URL is `base`. */
export function atInstance(url: string, issuer: string, base: string): string {
  const b = base.replace(/\/$/, '');
  if (url === issuer || url.startsWith(`${issuer}/`)) return b + url.slice(issuer.length);
  const u = new URL(url);
  return new URL(`${u.pathname}${u.search}`, new URL(b).origin).toString();
}

/** `with` of `race`: the grant and copies, plus what the token / refresh request reads (codeGrantRequest, refreshGrantRequest). */
export const raceOptions = options({
  grant: enumOf('authorization_code', 'refresh_token', 'client_credentials', 'device_code', 'ciba'),
  copies: { type: 'integer', minimum: 2, maximum: MAX_COPIES },
  same: { ...enumOf('client_assertion', 'dpop_proof'), description: 'client_credentials: the one-time JWT id every copy carries' },
  across: { ...enumOf('instances'), description: 'split the copies round-robin over the provider instances (plan provider.instances)' },
  from: STEP_REF,
  client: CLIENT,
  secret: SECRET,
  scope: STRING,
  assertion: ASSERTION,
  dpop: { type: 'boolean', description: 'same: client_assertion: a fresh DPoP proof on each copy' },
  ...SHAPE_REQUEST,
}, ['grant']);
