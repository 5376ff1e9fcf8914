// The device authorization grant (RFC 8628): POST /device_authorization (§3.1, §3.2) and the
// verification pages at /device (§3.3), where the End-User enters the user_code, logs in (the same
// login form and session as /authorize) and approves or denies.
//
// Pages (stable selectors for browsers and the harness):
//   code entry:  <main data-page="device-code"> form#device-code (input#user_code, input[name=csrf]) button[type=submit]
//                (#device-code-error on a wrong or expired code; input#user_code prefilled from verification_uri_complete)
//   login:       the login page of provider/views.ts (form#login)
//   consent:     <main data-page="device-consent"> form#device-consent button[name=decision][value=allow|deny]
//   done:        <main data-page="device-done" data-decision="allow|deny">
import { tokenBytes } from '../faults.ts';
import { randomInt } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateClient, InvalidClientAuth } from '../client-auth.ts';
import { endpoint, SCOPES_SUPPORTED, type ProviderContext } from '../context.ts';
import { InvalidRequest } from '../errors.ts';
import { randomToken, readParams, safeEqual, sendErrorPage, sendHtml, sendJsonError, type Params } from '../http.ts';
import { annotate } from '../log.ts';
import { browserId, loadSession, startSession } from '../session.ts';
import { esc, layout, loginPage } from '../views.ts';
import { requireGrantType } from '../grants/grant-types.ts';
import { DEVICE_CODE_GRANT, type DeviceGrant } from '../grants/device_code.ts';
import { checkScope, newPolledGrant, saveGrant } from '../grants/polling.ts';
import { firstValues } from './token.ts';

/** The device authorization request's parameters (RFC 8628 §3.1, client authentication, RFC 8707 resource). */
const DEVICE_PARAMS = new Set(['client_id', 'scope', 'client_secret', 'client_assertion', 'client_assertion_type', 'resource']);

/** RFC 8628 §6.1: 20 consonants, no vowels (no accidental words), no easily confused characters. */
export const USER_CODE_CHARSET = 'BCDFGHJKLMNPQRSTVWXZ';
const USER_CODE_LENGTH = 8;

interface DeviceInteraction { uid: string; browser: string; csrf: string; deviceCode?: string }

class CsrfFailure extends InvalidRequest {
  constructor(description: string) { super(description, 403); }
}

// ------------------------------------------------------------------ POST /device_authorization

export async function deviceAuthorizationEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  try {
    requireForm(req);
    // RFC 6749 §3.1 / §5.2 (as at the token endpoint): a repeated parameter is refused (fault
    // device-accept-duplicate-params: its first value is used); unknown ones are ignored (fault
    // device-refuse-unknown-params: refused).
    const params = readParams(ctx.faults.on('device-accept-duplicate-params') ? firstValues(req.body) : req.body);
    const unknown = Object.keys(params).filter((k) => !DEVICE_PARAMS.has(k));
    if (ctx.faults.on('device-refuse-unknown-params') && unknown.length) throw new InvalidRequest(`unknown parameter ${unknown[0]}`);
    if (params.client_id) annotate(req, { client_id: params.client_id });
    // RFC 8628 §3.1: the client authenticates as at the token endpoint (public clients send client_id).
    const client = await authenticateClient(ctx, req, params);
    annotate(req, { client_id: client.client_id });
    requireGrantType(client, DEVICE_CODE_GRANT);
    const scope = checkScope(params.scope, SCOPES_SUPPORTED, false, client);
    const expiresIn = ctx.config.ttl.device_code;
    const deviceCode = randomToken(tokenBytes(ctx.faults));
    const userCode = ctx.faults.on('device-user-code-unfriendly') ? randomToken(16) : friendlyUserCode(ctx.faults.on('device-user-code-short'));
    const grant: DeviceGrant = { ...newPolledGrant(ctx, { clientId: client.client_id, scope, expiresIn }), userCode };
    await saveGrant(ctx, 'device_code', deviceCode, grant);
    await ctx.store.set('user_code', userCodeKey(userCode), deviceCode, expiresIn);
    const verificationUri = endpoint(ctx, '/device');
    // RFC 8628 §3.2: the response, never cached.
    return reply.code(200).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').header('pragma', 'no-cache').send({
      device_code: deviceCode,
      user_code: userCode,
      verification_uri: verificationUri,
      verification_uri_complete: `${verificationUri}?user_code=${encodeURIComponent(userCode)}`,
      // RFC 8628 §3.2: expires_in is REQUIRED (fault: omitted).
      ...(ctx.faults.on('device-response-omit-expires-in') ? {} : { expires_in: expiresIn }),
      interval: ctx.config.polling_interval,
    });
  } catch (e) {
    if (e instanceof InvalidClientAuth && e.basic) reply.header('www-authenticate', `Basic realm="${ctx.issuer}", charset="UTF-8"`);
    reply.header('cache-control', 'no-store');
    return sendJsonError(req, reply, e);
  }
}

function requireForm(req: FastifyRequest): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') throw new InvalidRequest('requests must be application/x-www-form-urlencoded');
}

/** RFC 8628 §6.1: XXXX-XXXX over 20 consonants: 20^8 ≈ 2^34.6 codes, short-lived and rate limited by expiry. */
export function friendlyUserCode(short = false): string {
  let s = '';
  // Fault device-user-code-short: 4 characters (about 17 bits) instead of 8 (RFC 8628 §5.1).
  for (let i = 0; i < (short ? 4 : USER_CODE_LENGTH); i++) s += USER_CODE_CHARSET[randomInt(USER_CODE_CHARSET.length)];
  return short ? s : `${s.slice(0, 4)}-${s.slice(4)}`;
}

/** RFC 8628 §6.1: compare case-insensitively and ignore punctuation and spaces the End-User typed. */
function userCodeKey(input: string): string {
  const upper = input.toUpperCase().replace(/[^A-Z0-9]/g, '');
  return /^[A-Z]{8}$/.test(upper) && [...upper].every((c) => USER_CODE_CHARSET.includes(c)) ? upper : `raw:${input.trim()}`;
}

// ------------------------------------------------------------------ the verification pages

export async function deviceStart(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const prefill = (req.query as Record<string, unknown> | undefined)?.user_code;
  const ia: DeviceInteraction = { uid: randomToken(16), browser: browserId(req, reply), csrf: randomToken(24) };
  await ctx.store.set('device_interaction', ia.uid, ia, ctx.config.ttl.interaction);
  return sendHtml(reply, 200, codePage(ia, typeof prefill === 'string' ? prefill : ''));
}

export async function devicePage(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let ia: DeviceInteraction;
  try {
    ia = await loadInteraction(ctx, req);
  } catch (e) {
    return sendErrorPage(req, reply, e, e instanceof CsrfFailure ? 403 : 400);
  }
  if (!ia.deviceCode) return sendHtml(reply, 200, codePage(ia, ''));
  const grant = await ctx.store.get<DeviceGrant>('device_code', ia.deviceCode);
  if (!grant) return sendErrorPage(req, reply, new InvalidRequest('the device request has expired; start again on the device'));
  const session = await loadSession(ctx, req);
  if (!session) return sendHtml(reply, 200, loginPage({ csrf: ia.csrf, clientId: grant.clientId }));
  return sendHtml(reply, 200, consentPage(ia, grant));
}

export async function deviceSubmit(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  let ia: DeviceInteraction;
  let params: Params;
  try {
    ia = await loadInteraction(ctx, req);
    params = readParams(req.body);
    // CSRF: the interaction's own token (synchronizer token pattern), as on the login pages.
    if (!params.csrf || !safeEqual(params.csrf, ia.csrf)) throw new CsrfFailure('CSRF token is missing or invalid');
  } catch (e) {
    return sendErrorPage(req, reply, e, e instanceof CsrfFailure ? 403 : 400);
  }
  const again = () => reply.code(302).header('location', `/device/${ia.uid}`).header('cache-control', 'no-store').send();

  // Stage 1: the user_code (RFC 8628 §3.3).
  if (!ia.deviceCode) {
    const deviceCode = params.user_code ? await ctx.store.get<string>('user_code', userCodeKey(params.user_code)) : undefined;
    const grant = deviceCode ? await ctx.store.get<DeviceGrant>('device_code', deviceCode) : undefined;
    if (!deviceCode || !grant || grant.status !== 'pending' || Date.now() >= grant.expiresAt) {
      annotate(req, { error: 'invalid_user_code' });
      return sendHtml(reply, 200, codePage(ia, params.user_code ?? '', 'That code is not valid or has expired. Check the code on your device.'));
    }
    annotate(req, { client_id: grant.clientId });
    ia.deviceCode = deviceCode;
    await ctx.store.set('device_interaction', ia.uid, ia, ctx.config.ttl.interaction);
    return again();
  }
  const grant = await ctx.store.get<DeviceGrant>('device_code', ia.deviceCode);
  if (!grant || grant.status !== 'pending' || Date.now() >= grant.expiresAt) {
    return sendErrorPage(req, reply, new InvalidRequest('the device request has expired or was already answered; start again on the device'));
  }
  annotate(req, { client_id: grant.clientId });
  const session = await loadSession(ctx, req);

  // Stage 2: log in (the same users, password check and session as the authorization endpoint).
  if (!session) {
    const user = ctx.users.find((u) => u.username === params.username);
    const ok = safeEqual(params.password ?? '', user?.password ?? '\u0000no-user');
    if (!user || !ok) {
      annotate(req, { error: 'login_failed' });
      return sendHtml(reply, 200, loginPage({ csrf: ia.csrf, clientId: grant.clientId, username: params.username, error: 'Invalid username or password.' }));
    }
    await startSession(ctx, reply, session, user.sub);
    return again();
  }

  // Stage 3: approve or deny (RFC 8628 §3.3: the End-User grants or denies the client's request).
  if (params.decision !== 'allow' && params.decision !== 'deny') return sendErrorPage(req, reply, new InvalidRequest('decision must be allow or deny'));
  grant.status = params.decision === 'allow' ? 'approved' : 'denied';
  grant.sub = session.sub;
  grant.authTime = session.authTime;
  await saveGrant(ctx, 'device_code', ia.deviceCode, grant);
  await ctx.store.delete('device_interaction', ia.uid);
  if (grant.status === 'denied') annotate(req, { error: 'access_denied' });
  return sendHtml(reply, 200, donePage(params.decision, grant.clientId));
}

async function loadInteraction(ctx: ProviderContext, req: FastifyRequest): Promise<DeviceInteraction> {
  const uid = (req.params as { uid?: string }).uid ?? '';
  const ia = await ctx.store.get<DeviceInteraction>('device_interaction', uid);
  if (!ia) throw new InvalidRequest('this device sign-in has expired; open the verification page again');
  // The interaction belongs to the browser that started it (its browser cookie).
  const browser = req.cookies.ts_browser;
  if (!browser || !safeEqual(browser, ia.browser)) throw new CsrfFailure('this device sign-in was started in another browser');
  return ia;
}

// ------------------------------------------------------------------ views

function codePage(ia: DeviceInteraction, value: string, error?: string): string {
  const alert = error ? `\n  <p id="device-code-error" role="alert">${esc(error)}</p>` : '';
  return layout('Connect a device', `<main data-page="device-code">
  <h1>Connect a device</h1>
  <p>Enter the code shown on your device.</p>${alert}
  <form id="device-code" method="post" action="/device/${esc(ia.uid)}">
    <input type="hidden" name="csrf" value="${esc(ia.csrf)}">
    <label for="user_code">Code</label>
    <input id="user_code" name="user_code" autocomplete="off" autocapitalize="characters" spellcheck="false" value="${esc(value)}" required>
    <button type="submit">Continue</button>
  </form>
</main>`);
}

function consentPage(ia: DeviceInteraction, grant: DeviceGrant): string {
  const items = grant.scope.split(' ').map((s) => `<li data-scope="${esc(s)}">${esc(s)}</li>`).join('');
  return layout('Allow the device', `<main data-page="device-consent">
  <h1>Allow <strong data-client="${esc(grant.clientId)}">${esc(grant.clientId)}</strong> on your device?</h1>
  <p>Device code <strong data-user-code="${esc(grant.userCode)}">${esc(grant.userCode)}</strong> asks for:</p>
  <ul>${items}</ul>
  <form id="device-consent" method="post" action="/device/${esc(ia.uid)}">
    <input type="hidden" name="csrf" value="${esc(ia.csrf)}">
    <button id="device-allow" type="submit" name="decision" value="allow">Allow</button>
    <button id="device-deny" type="submit" name="decision" value="deny">Deny</button>
  </form>
</main>`);
}

function donePage(decision: 'allow' | 'deny', clientId: string): string {
  const text = decision === 'allow' ? 'Your device is connected. You can return to it now.' : 'You denied the request. The device gets no access.';
  return layout('Device', `<main data-page="device-done" data-decision="${decision}">
  <h1>${decision === 'allow' ? 'Device connected' : 'Request denied'}</h1>
  <p data-client="${esc(clientId)}">${esc(text)}</p>
</main>`);
}
