// OpenID Connect CIBA Core 1.0 in poll mode, as a well-behaved client does it:
//   ciba-request  POST the authentication request to the backchannel endpoint (§7.1) with the
//                 client's authentication, scope, login_hint (the plan user's username unless
//                 `with.login_hint` / `with.params` say otherwise), binding_message and
//                 requested_expiry when given; check the acknowledgement (§7.3) or the error (§13)
//                 `with.request_object` sends them as a signed authentication request (§7.1.1)
//   ciba-decide   the End-User's answer on the authentication device, through the plan's
//                 operations.ciba_decide (`${auth_req_id}`, `${decision}` = approve | deny)
//   ciba-token    poll the token endpoint (§10.1) honouring interval and slow_down (§11)
//   ciba-ping     ping mode (§10.2): wait, event-driven, for the OP's ping at the run's client
//                 notification endpoint (plan client `notification_endpoint`) and check it
// A plan client with `notification_endpoint` is registered in ping mode: ciba-request sends it a
// fresh client_notification_token (§7.1).
import { randomBytes, randomUUID } from 'node:crypto';
import { cibaErrorMatchesSchema, cibaPingMatches, cibaResponseMatchesSchema, discoveryAdvertisesCiba, discoveryAdvertisesCibaPing, discoveryFapiCibaDeliveryModes } from '../../checks/index.ts';
import type { PlanClient, StepDef } from '../../core/types.ts';
import { judgeErrorResponse, NotApplicable, shapeHeaders, shapeParams, StepAbort, type ModuleRun } from '../module-run.ts';
import { runOperation } from '../operations.ts';
import { Poller, POLL_OPTIONS, pollTokenEndpoint } from './device.ts';
import { clientAuthentication, type AssertionOptions } from './token.ts';
import { ASSERTION, CLIENT, enumOf, options, SHAPE_REQUEST, STEP_REF, STRING, USER } from './options.ts';
import { requestObjectClaims, requestObjectEdit, requestObjectOption, signRequestObject } from './request-object.ts';

export const CIBA_GRANT = 'urn:openid:params:grant-type:ciba';

interface CibaState {
  client: string;
  authReqId: string;
  poller: Poller;
  /** Ping mode: the client_notification_token sent and the notification endpoint's path. */
  ping?: { token: string; path: string };
}

const states = new WeakMap<ModuleRun, Map<string, CibaState>>();

function stateOf(run: ModuleRun, from: string | undefined): CibaState {
  const all = states.get(run);
  const s = from ? all?.get(from) : [...(all?.values() ?? [])].pop();
  if (!s) throw new StepAbort(from ? `step "${from}" produced no auth_req_id` : 'no earlier ciba-request step in the flow');
  return s;
}

export async function cibaRequest(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const role = (w.client as string) ?? 'main';
  const client = run.client(role);
  const user = run.user((w.user as string) ?? 'main');
  // §4: the client finds the backchannel endpoint and poll mode through discovery.
  const advertised = discoveryAdvertisesCiba(run.meta());
  run.add(advertised);
  if (!advertised.ok) throw new StepAbort(advertised.message);
  // FAPI-CIBA ID1 §5.2.2: no push mode (the plan variant ciba_profile: fapi_ciba).
  if (run.ctx.plan.variants?.ciba_profile === 'fapi_ciba') run.add(discoveryFapiCibaDeliveryModes(run.meta()));
  const ping = pingSetup(run, client, w);
  if (ping) {
    // §4: an OP serving ping-mode clients lists ping among its delivery modes.
    run.add(discoveryAdvertisesCibaPing(run.meta()));
  }
  // §7.1: the client authenticates; the assertion's audience is the OP's issuer (`with.assertion`:
  // a deliberately wrong one, e.g. RS256 under FAPI-CIBA).
  const auth = await clientAuthentication(client, run.ctx.issuer, undefined, w.assertion as AssertionOptions | undefined);
  const built: Record<string, string | undefined> = {
    scope: (w.scope as string) ?? client.scope ?? 'openid',
    login_hint: (w.login_hint as string) ?? user.username,
    binding_message: w.binding_message as string | undefined,
    // §7.1: a positive integer; in a form body it is necessarily its decimal string.
    requested_expiry: w.requested_expiry === undefined ? undefined : String(w.requested_expiry),
    // §7.1: REQUIRED in ping mode, the bearer token the OP sends back with the ping (§10.2).
    client_notification_token: ping?.token,
    ...auth.form,
  };
  let form = shapeParams(built, w);
  // §7.1.1: the authentication request parameters travel inside a JWT signed with the client's key.
  // Under the plan variant ciba_profile: fapi_ciba every request is signed (FAPI-CIBA ID1 §5.2.2)
  // unless the step says `request_object: false`.
  const signed = w.request_object ?? (run.ctx.plan.variants?.ciba_profile === 'fapi_ciba' ? true : undefined);
  if (signed !== undefined && signed !== false) {
    const ro = requestObjectEdit(signed)!;
    // The client authentication (what `drop` left of it) stays outside the object.
    const outside = Object.fromEntries(Object.entries(form).filter(([k]) => k in auth.form));
    const params = Object.fromEntries(Object.entries(form).filter(([k]) => !(k in auth.form)));
    const signer = ro.sign_with ? run.client(ro.sign_with) : client;
    form = { request: await signRequestObject(signer, requestObjectClaims(client, run.ctx.issuer, params, ro), ro), ...outside };
  }
  const headers = shapeHeaders({ accept: 'application/json', ...auth.headers }, w);
  const ex = await run.http.send(run.endpoint('backchannel_authentication_endpoint'), { step: step.id!, label: 'CIBA authentication request', method: 'POST', headers, body: form });
  const res = run.response(ex);
  const receivedAt = Date.now();
  const evidence = { status: res.status, contentType: res.headers['content-type'], json: res.json ?? res.body };
  const e = step.expect;
  if (e?.error || e?.status) {
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse(e, res, [400, 401, 403]), ex.id);
    if (res.status >= 400) run.add(cibaErrorMatchesSchema(evidence, ex.id));
    return;
  }
  const shape = cibaResponseMatchesSchema(evidence, ex.id);
  run.add(shape);
  run.succeeded(step, shape.ok, shape.ok ? 'authentication request acknowledged' : shape.message, ex.id);
  if (!shape.ok) throw new StepAbort(`the CIBA authentication request failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  const j = res.json as { auth_req_id: string; expires_in: number; interval?: number };
  // with.expires_in: the acknowledgement must grant exactly this lifetime (e.g. the requested_expiry sent).
  if (w.expires_in !== undefined) {
    const ok = j.expires_in === Number(w.expires_in);
    run.expectation(step, `${step.id}-expires-in`, { ok, message: ok ? `expires_in is ${j.expires_in}, as requested` : `expected expires_in ${w.expires_in}, got ${j.expires_in}`, expected: Number(w.expires_in), actual: j.expires_in }, ex.id);
  }
  if (!states.has(run)) states.set(run, new Map());
  states.get(run)!.set(step.id!, { client: role, authReqId: j.auth_req_id, poller: new Poller(j.interval, j.expires_in, receivedAt), ...(ping ? { ping } : {}) });
}

/**
 * Ping mode: the plan client names its notification endpoint; `${callback}` must be the run's
 * (harness/engine/notification-server.ts). The token is 32 random bytes, base64url (an RFC 6750
 * §2.1 b64token), or `with.notification_token_length` characters of it (to exceed §7.1's 1024).
 */
function pingSetup(run: ModuleRun, client: PlanClient, w: Record<string, unknown>): { token: string; path: string } | undefined {
  if (!client.notification_endpoint) {
    if (w.notification_token_length !== undefined) throw new NotApplicable(`needs a plan client with notification_endpoint (ping mode) for role ${String(w.client ?? 'main')}`);
    return undefined;
  }
  let url = client.notification_endpoint;
  if (url.includes('${callback}')) {
    if (!run.ctx.callback) throw new NotApplicable('needs the run\'s notification endpoint: provider.tls and ${callback} in the plan\'s provider section');
    url = url.replaceAll('${callback}', run.ctx.callback.base);
  }
  const n = w.notification_token_length as number | undefined;
  const token = n === undefined ? randomBytes(32).toString('base64url') : randomBytes(Math.ceil(n * 0.75) + 3).toString('base64url').slice(0, n);
  return { token, path: new URL(url).pathname };
}

export async function cibaPing(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const state = stateOf(run, w.from as string | undefined);
  if (!state.ping) throw new StepAbort('the ciba-request step was not made by a ping-mode client (plan client notification_endpoint)');
  const server = run.ctx.callback;
  if (!server) throw new NotApplicable('needs the run\'s notification endpoint: provider.tls and ${callback} in the plan\'s provider section');
  // §10.2: the OP pings once the End-User decided; wait for it (event-driven) until the request expires.
  const maxMs = Math.min((run.ctx.plan.settings?.max_wait_s ?? 60) * 1000, Math.max(1000, state.poller.expiresAt - Date.now()));
  const started = performance.now();
  const n = await server.waitFor(state.authReqId, maxMs);
  run.timing.waitMs += Math.round(performance.now() - started);
  const check = cibaPingMatches({
    notification: n ? { method: n.method, path: n.path, contentType: n.headers['content-type'], authorization: n.headers.authorization, json: n.json ?? n.body } : undefined,
    expected: { authReqId: state.authReqId, token: state.ping.token, path: state.ping.path },
    waitedMs: maxMs,
  });
  run.add(check);
  run.succeeded(step, check.ok, check.message);
  if (!check.ok) throw new StepAbort(check.message);
}

export async function cibaDecide(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const state = stateOf(run, w.from as string | undefined);
  const decision = (w.decision as string) ?? 'approve';
  if (decision !== 'approve' && decision !== 'deny') throw new StepAbort(`with.decision must be approve or deny, not ${JSON.stringify(decision)}`);
  // The plan's operations.ciba_decide stands in for the End-User's authentication device.
  await runOperation(run, step, 'ciba_decide', { auth_req_id: state.authReqId, decision }, `End-User ${decision === 'approve' ? 'approves' : 'denies'} the CIBA request`);
}

export async function cibaToken(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const state = stateOf(run, w.from as string | undefined);
  await pollTokenEndpoint(run, {
    step,
    role: (w.client as string) ?? state.client,
    label: 'CIBA token request',
    grant: { grant_type: CIBA_GRANT, auth_req_id: (w.auth_req_id as string | undefined) ?? state.authReqId },
    poller: state.poller,
    assertion: w.assertion as AssertionOptions | undefined,
  });
}

/** `with` of `ciba-request`. */
export const cibaRequestOptions = options({
  client: CLIENT,
  user: USER,
  scope: STRING,
  login_hint: STRING,
  binding_message: STRING,
  requested_expiry: { type: ['integer', 'string'], description: 'sent as its decimal string (§7.1)' },
  expires_in: { type: 'integer', minimum: 0, description: 'the expires_in the acknowledgement must grant' },
  notification_token_length: { type: 'integer', minimum: 1, maximum: 4096, description: 'ping mode: a client_notification_token of this many characters' },
  request_object: requestObjectOption(false),
  assertion: ASSERTION,
  ...SHAPE_REQUEST,
});

/** `with` of `ciba-decide`. */
export const cibaDecideOptions = options({ from: STEP_REF, decision: enumOf('approve', 'deny') });

/** `with` of `ciba-ping`. */
export const cibaPingOptions = options({ from: STEP_REF });

/** `with` of `ciba-token`. */
export const cibaTokenOptions = options({ from: STEP_REF, client: CLIENT, auth_req_id: STRING, assertion: ASSERTION, ...POLL_OPTIONS });

/** The auth_req_id of step `from` (or the latest), for the race step. */
export { stateOf as cibaStateOf };
