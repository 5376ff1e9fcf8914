// The device authorization grant (RFC 8628), as a well-behaved device client does it:
//   device-authorization  POST the device authorization request (§3.1), check the response (§3.2)
//   device-approve        the End-User at verification_uri in the real browser: enter user_code,
//                         log in, allow or deny (§3.3), through the plan's declared interactions
//   device-token          poll the token endpoint (§3.4) honouring `interval` and slow_down (§3.5)
// The polling discipline (Poller) is shared with CIBA (steps/ciba.ts).
import {
  deviceAuthorizationErrorMatchesSchema,
  deviceAuthorizationResponseMatchesSchema,
  deviceUserCodeIsTypeable,
  discoveryAdvertisesDevice,
  errorResponseMatchesSchema,
  tokenResponseMatchesSchema,
  tokenResponseNoStore,
} from '../../checks/index.ts';
import type { HttpExchange, RecordedResponse } from '../../core/exchange.ts';
import type { StepDef } from '../../core/types.ts';
import { judgeErrorResponse, shapeHeaders, shapeParams, StepAbort, type ModuleRun, type TokenOutput } from '../module-run.ts';
import { describeLanding, expectOpPage, judgeInteractions } from './authorize.ts';
import { acceptTokens, clientAuthentication, withDuplicates, type AssertionOptions } from './token.ts';
import { EXPIRY_MARGIN_MS } from './wait.ts';
import { BOOLEAN, CLIENT, DUPLICATE, enumOf, ID_TOKEN_OPTIONS, options, SHAPE_REQUEST, STEP_REF, STRING, USER } from './options.ts';

export const DEVICE_CODE_GRANT = 'urn:ietf:params:oauth:grant-type:device_code';

/** RFC 8628 §3.5 and CIBA §7.3: without an interval the client waits 5 seconds. */
export const DEFAULT_INTERVAL_S = 5;
/** Timers may fire a few ms early or late; a client that must never be early adds a hair. */
const TIMER_SLACK_MS = 25;
/** Never wait longer than this in one step, whatever the provider says (a plan must set short TTLs). */
const MAX_WAIT_MS = 60_000;

/**
 * The polling clock of one device_code or auth_req_id: when the next request may go out, and when
 * the handle expires. Every wait is derived from what the provider said (interval, expires_in).
 */
export class Poller {
  /** Seconds between requests; grows by 5 on every slow_down (RFC 8628 §3.5, CIBA §11). */
  interval: number;
  /** ms epoch of the last response from the provider about this handle: the interval counts from here. */
  last: number;
  readonly expiresAt: number;

  constructor(interval: unknown, expiresIn: unknown, receivedAt: number) {
    this.interval = typeof interval === 'number' && interval > 0 ? interval : DEFAULT_INTERVAL_S;
    this.last = receivedAt;
    this.expiresAt = receivedAt + (typeof expiresIn === 'number' && expiresIn > 0 ? expiresIn * 1000 : 0);
  }

  /** Milliseconds until the next request may be sent (never faster than `interval`). */
  untilNext(now = Date.now()): number {
    return Math.max(0, this.last + this.interval * 1000 + TIMER_SLACK_MS - now);
  }

  /** Milliseconds until the handle is past its expires_in (plus the margin wait.ts uses for TTLs). */
  untilExpired(now = Date.now()): number {
    return Math.max(0, this.expiresAt + EXPIRY_MARGIN_MS - now);
  }

  slowDown(): void {
    this.interval += 5;
  }
}

export async function sleep(run: ModuleRun, ms: number): Promise<void> {
  if (ms > MAX_WAIT_MS) throw new StepAbort(`refusing to wait ${Math.round(ms / 1000)} s (more than ${MAX_WAIT_MS / 1000} s): set short TTLs and intervals for the provider in the plan`);
  await run.sleep(ms);
}

/** What a device-authorization step hands to the later steps of its module. */
export interface DeviceState {
  client: string;
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete?: string;
  poller: Poller;
}

const deviceStates = new WeakMap<ModuleRun, Map<string, DeviceState>>();

function stateOf(run: ModuleRun, from: string | undefined): DeviceState {
  const all = deviceStates.get(run);
  const s = from ? all?.get(from) : [...(all?.values() ?? [])].pop();
  if (!s) throw new StepAbort(from ? `step "${from}" produced no device authorization` : 'no earlier device-authorization step in the flow');
  return s;
}

// ------------------------------------------------------------------ device-authorization

export async function deviceAuthorization(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const role = (w.client as string) ?? 'main';
  const client = run.client(role);
  // RFC 8628 §4: the client finds the device authorization endpoint through the metadata.
  const advertised = discoveryAdvertisesDevice(run.meta());
  run.add(advertised);
  if (!advertised.ok) throw new StepAbort(advertised.message);
  const auth = await clientAuthentication(client, run.ctx.issuer);
  const form = shapeParams({ scope: (w.scope as string) ?? client.scope ?? 'openid', ...auth.form }, w);
  const headers = shapeHeaders({ accept: 'application/json', ...auth.headers }, w);
  // `with.duplicate`: parameters sent a second time with another value (RFC 6749 §3.2, as at the token endpoint).
  const body = withDuplicates(form, w.duplicate);
  const type: Record<string, string> = typeof body === 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : {};
  const ex = await run.http.send(run.endpoint('device_authorization_endpoint'), { step: step.id!, label: 'device authorization request', method: 'POST', headers: { ...type, ...headers }, body });
  const res = run.response(ex);
  const receivedAt = Date.now();
  const evidence = { status: res.status, contentType: res.headers['content-type'], json: res.json ?? res.body };
  const e = step.expect;
  if (e?.error || e?.status) {
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse(e, res, [400, 401]), ex.id);
    if (res.status >= 400) run.add(deviceAuthorizationErrorMatchesSchema(evidence, ex.id));
    return;
  }
  const shape = deviceAuthorizationResponseMatchesSchema(evidence, ex.id);
  run.add(shape);
  run.succeeded(step, shape.ok, shape.ok ? 'device authorization issued' : shape.message, ex.id);
  if (!shape.ok) throw new StepAbort(`the device authorization request failed: HTTP ${res.status} ${res.body.slice(0, 200)}`);
  const j = res.json as Record<string, unknown>;
  run.add(deviceUserCodeIsTypeable(j.user_code, ex.id));
  const state: DeviceState = {
    client: role,
    deviceCode: j.device_code as string,
    userCode: j.user_code as string,
    verificationUri: j.verification_uri as string,
    verificationUriComplete: typeof j.verification_uri_complete === 'string' ? j.verification_uri_complete : undefined,
    poller: new Poller(j.interval, j.expires_in, receivedAt),
  };
  if (!deviceStates.has(run)) deviceStates.set(run, new Map());
  deviceStates.get(run)!.set(step.id!, state);
}

// ------------------------------------------------------------------ device-approve

/**
 * The End-User's side, in the real browser: open verification_uri (or verification_uri_complete
 * with `with.complete: true`), and let the plan's interactions enter ${device.user_code}, log in
 * and click the ${device.decision} (allow | deny) button. The OP must end on its device_done page.
 */
export async function deviceApprove(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const state = stateOf(run, w.from as string | undefined);
  const user = run.user((w.user as string) ?? 'main');
  const decision = (w.decision as string) ?? 'allow';
  if (decision !== 'allow' && decision !== 'deny') throw new StepAbort(`with.decision must be allow or deny, not ${JSON.stringify(decision)}`);
  const url = w.complete === true && state.verificationUriComplete ? state.verificationUriComplete : state.verificationUri;
  const session = await run.browser();
  session.useUser(user.username, user.password);
  session.setVar('device.user_code', state.userCode);
  session.setVar('device.decision', decision);
  const landing = await session.navigate(step.id!, url);
  judgeInteractions(run, step, session.played);
  if (step.expect?.page) {
    expectOpPage(run, step, landing, step.expect.page);
    return;
  }
  const ok = landing.kind === 'page' && landing.page === 'device_done';
  run.succeeded(step, ok, ok ? `the End-User chose ${decision} and the OP confirmed it` : `expected the OP's device_done page, got ${describeLanding(landing)}`);
  if (!ok) throw new StepAbort(`the End-User could not ${decision} the device: ${describeLanding(landing)}`);
}

// ------------------------------------------------------------------ polling (shared with CIBA)

export interface PollSpec {
  step: StepDef;
  role: string;
  label: string;
  /** The grant-specific form fields (grant_type and the handle). */
  grant: Record<string, string>;
  poller: Poller;
  /** A deliberately wrong client assertion (negative modules; steps/token.ts AssertionOptions). */
  assertion?: AssertionOptions;
}

/**
 * Poll as `with.timing` says, then judge:
 *   (default)        wait the interval before every request; on authorization_pending poll again,
 *                    on slow_down add 5 s to the interval (RFC 8628 §3.5); stop at tokens or any
 *                    other answer. A step with `expect.error` sends one request and judges it.
 *   timing: too_fast one request at once, deliberately ignoring the interval (to provoke slow_down)
 *   timing: expired  wait until expires_in has passed, then one request
 */
export async function pollTokenEndpoint(run: ModuleRun, spec: PollSpec): Promise<void> {
  const { step, poller } = spec;
  const w = step.with ?? {};
  const client = run.client(spec.role);
  const timing = (w.timing as string | undefined) ?? 'interval';
  if (!['interval', 'too_fast', 'expired'].includes(timing)) throw new StepAbort(`with.timing must be interval, too_fast or expired, not ${JSON.stringify(timing)}`);
  const e = step.expect;
  const once = !!(e?.error || e?.status) || timing !== 'interval';

  let res: RecordedResponse;
  let ex: HttpExchange;
  for (let n = 1; ; n++) {
    if (timing === 'expired') await sleep(run, poller.untilExpired());
    else if (timing === 'interval') await sleep(run, poller.untilNext());
    if (!once && Date.now() > poller.expiresAt && poller.expiresAt > 0) {
      throw new StepAbort(`no answer but authorization_pending before the handle expired (expires_in); polled ${n - 1} times`);
    }
    const auth = await clientAuthentication(client, run.ctx.issuer, undefined, spec.assertion);
    const form = shapeParams({ ...spec.grant, ...auth.form }, w);
    const headers = shapeHeaders({ accept: 'application/json', ...auth.headers }, w);
    ex = await run.http.send(run.endpoint('token_endpoint'), { step: step.id!, label: `${spec.label} #${n}${timing === 'too_fast' ? ' (deliberately before the interval)' : ''}`, method: 'POST', headers, body: form });
    res = run.response(ex);
    poller.last = Date.now();
    const error = (res.json as { error?: unknown } | undefined)?.error;
    if (error === 'slow_down') poller.slowDown();
    if (once || (error !== 'authorization_pending' && error !== 'slow_down')) break;
  }

  const out: TokenOutput = { kind: 'token', client: spec.role, json: res.json as Record<string, unknown> | undefined };
  run.outputs.set(step.id!, out);
  if (e?.error || e?.status) {
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse(e, res, [400, 401]), ex.id);
    if (res.status >= 400) run.add(errorResponseMatchesSchema({ status: res.status, json: res.json ?? res.body, contentType: res.headers['content-type'] }, ex.id));
    return;
  }
  const schema = tokenResponseMatchesSchema({ status: res.status, contentType: res.headers['content-type'], json: res.json ?? res.body }, ex.id);
  run.add(schema, tokenResponseNoStore(res.headers, ex.id));
  if (!schema.ok) {
    const why = `the ${spec.label} failed: HTTP ${res.status} ${res.body.slice(0, 200)}`;
    run.succeeded(step, false, why, ex.id);
    throw new StepAbort(why);
  }
  const json = res.json as Record<string, unknown>;
  const before = run.findings.length;
  const scope = typeof json.scope === 'string' ? json.scope : (w.scope as string | undefined) ?? 'openid';
  await acceptTokens(run, step, out, json, client, scope.split(' ').includes('openid'), undefined, ex.id);
  const bad = run.findings.slice(before).find((f) => !f.ok);
  run.succeeded(step, !bad, bad ? `tokens issued but ${bad.check} failed: ${bad.message}` : 'tokens issued and valid', ex.id);
}

// ------------------------------------------------------------------ device-token

export async function deviceToken(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const state = stateOf(run, w.from as string | undefined);
  await pollTokenEndpoint(run, {
    step,
    role: (w.client as string) ?? state.client,
    label: 'device access token request',
    grant: { grant_type: DEVICE_CODE_GRANT, device_code: state.deviceCode },
    poller: state.poller,
  });
}

/** `with` of `device-authorization`. */
export const deviceAuthorizationOptions = options({ client: CLIENT, scope: STRING, duplicate: DUPLICATE, ...SHAPE_REQUEST });

/** `with` of `device-approve`. */
export const deviceApproveOptions = options({ from: STEP_REF, user: USER, decision: enumOf('allow', 'deny'), complete: BOOLEAN });

/** `with` of the polling steps (pollTokenEndpoint), without the step's own `from` / `client`. */
export const POLL_OPTIONS = {
  timing: enumOf('interval', 'too_fast', 'expired'),
  scope: { type: 'string', description: 'the scope judged when the token response names none (default openid)' },
  ...ID_TOKEN_OPTIONS,
  ...SHAPE_REQUEST,
} as const;

/** `with` of `device-token`. */
export const deviceTokenOptions = options({ from: STEP_REF, client: CLIENT, ...POLL_OPTIONS });

/** The device authorization of step `from` (or the latest), for the race step. */
export { stateOf as deviceStateOf };
