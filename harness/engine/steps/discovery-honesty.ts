// `discovery-honesty` (issue 13): read the discovery document (an earlier `discover` step) and try
// what it advertises, with the plan's clients and no browser:
// - grant_types_supported: a token request of each type with placeholder values: refused as
//   unsupported only when the answer is unsupported_grant_type (RFC 6749 §5.2); invalid_grant and
//   the like mean the type is served (its placeholder is what was refused);
// - token_endpoint_auth_methods_supported: each method a plan client is registered for, at a token
//   request with a placeholder code: invalid_client means the method was refused;
// - response_types_supported, response_modes_supported, code_challenge_methods_supported: an
//   authorization request (not followed) that differs from a plain code request in that one value:
//   refused when it is answered with an error while the plain request goes on to the login (for a
//   response type, only unsupported_response_type: another error refuses the client, RFC 6749 §4.1.2.1).
// What cannot be tried with the plan's clients is named, with why, in the evidence. Values tried
// that the document does not list are reported as notes, never as failures.
import { discoveryAdvertisedAccepted, type TriedValue } from '../../checks/index.ts';
import type { PlanClient, StepDef } from '../../core/types.ts';
import { randomToken, StepAbort, type ModuleRun } from '../module-run.ts';
import { pkcePair } from './authorize.ts';
import { clientAuthentication } from './token.ts';
import { CLIENT, options } from './options.ts';

const GRANT_PLACEHOLDERS: Record<string, Record<string, string>> = {
  authorization_code: { code: 'touchstone-not-a-code', redirect_uri: '', code_verifier: 'touchstone-not-a-verifier-touchstone-not-a-verifier' },
  refresh_token: { refresh_token: 'touchstone-not-a-refresh-token' },
  client_credentials: {},
  password: { username: 'touchstone-no-such-user', password: 'touchstone-not-a-password' },
  'urn:ietf:params:oauth:grant-type:device_code': { device_code: 'touchstone-not-a-device-code' },
  'urn:openid:params:grant-type:ciba': { auth_req_id: 'touchstone-not-an-auth-req-id' },
  'urn:ietf:params:oauth:grant-type:jwt-bearer': { assertion: 'touchstone.not.a-jwt' },
  'urn:ietf:params:oauth:grant-type:token-exchange': { subject_token: 'touchstone-not-a-token', subject_token_type: 'urn:ietf:params:oauth:token-type:access_token' },
};
/** Not token-endpoint grants: nothing to try at the token endpoint. */
const FRONT_CHANNEL = new Set(['implicit']);
const KNOWN_RESPONSE_TYPES = ['code', 'token', 'id_token', 'code id_token', 'code token', 'id_token token', 'code id_token token', 'none'];
const KNOWN_MODES = ['query', 'fragment', 'form_post'];
const KNOWN_PKCE = ['S256', 'plain'];

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export async function discoveryHonesty(run: ModuleRun, step: StepDef): Promise<void> {
  const meta = run.meta();
  const w = step.with ?? {};
  const main = run.client((w.client as string) ?? 'main');
  const roles = Object.keys(run.ctx.plan.clients ?? {});
  const clients = roles.map((r) => ({ role: r, client: run.client(r) }));
  const members = [
    ['grant_types_supported', () => grantTypes(run, step, main, strings(meta.grant_types_supported))],
    ['token_endpoint_auth_methods_supported', () => authMethods(run, step, clients, strings(meta.token_endpoint_auth_methods_supported))],
    ['response_types_supported', () => authzVariants(run, step, main, 'response_type', strings(meta.response_types_supported), KNOWN_RESPONSE_TYPES)],
    ['response_modes_supported', () => authzVariants(run, step, main, 'response_mode', strings(meta.response_modes_supported), KNOWN_MODES)],
    ['code_challenge_methods_supported', () => authzVariants(run, step, main, 'code_challenge_method', strings(meta.code_challenge_methods_supported), KNOWN_PKCE)],
  ] as const;
  for (const [member, tryIt] of members) {
    if (!Object.hasOwn(meta, member)) continue;
    const { advertised, unadvertised } = await tryIt();
    run.add(discoveryAdvertisedAccepted({ member, advertised, unadvertised }));
  }
}

/** A token request of each advertised grant type; unsupported_grant_type is the one refusal that counts. */
async function grantTypes(run: ModuleRun, step: StepDef, client: PlanClient, advertised: string[]) {
  const tryOne = async (g: string): Promise<TriedValue> => {
    if (FRONT_CHANNEL.has(g)) return { value: g, outcome: 'not-tried', detail: 'not a token endpoint grant' };
    const extra = { ...(GRANT_PLACEHOLDERS[g] ?? {}) };
    if ('redirect_uri' in extra) extra.redirect_uri = client.redirect_uri;
    const { error, status } = await tokenRequest(run, step, client, { grant_type: g, ...extra }, `grant_type=${g}`);
    if (error === 'unsupported_grant_type') return { value: g, outcome: 'refused', detail: `HTTP ${status} unsupported_grant_type` };
    if (error === 'invalid_client') return { value: g, outcome: 'not-tried', detail: `the plan client ${client.client_id} failed authentication (invalid_client)` };
    return { value: g, outcome: 'accepted', detail: error ? `HTTP ${status} ${error}: the placeholder was refused, not the grant type` : `HTTP ${status}` };
  };
  const adv: TriedValue[] = [];
  for (const g of advertised) adv.push(await tryOne(g));
  const extra: TriedValue[] = [];
  for (const g of Object.keys(GRANT_PLACEHOLDERS).filter((g) => !advertised.includes(g))) {
    const t = await tryOne(g);
    // Unadvertised: only a clear "served" counts as accepted; unsupported_grant_type is what the list says.
    extra.push(t.outcome === 'refused' ? { ...t, outcome: 'not-tried', detail: 'refused as unsupported, as the metadata says' } : t);
  }
  return { advertised: adv, unadvertised: extra.filter((t) => t.outcome === 'accepted') };
}

/** Each advertised method a plan client is registered for, at a token request with a placeholder code. */
async function authMethods(run: ModuleRun, step: StepDef, clients: { role: string; client: PlanClient }[], advertised: string[]) {
  const tryClient = async (c: PlanClient, m: string): Promise<TriedValue> => {
    const { error, status } = await tokenRequest(run, step, c, { grant_type: 'authorization_code', code: 'touchstone-not-a-code', redirect_uri: c.redirect_uri }, `${m} (client ${c.client_id})`);
    if (error === 'invalid_client') return { value: m, outcome: 'refused', detail: `client ${c.client_id}, registered for ${m}: HTTP ${status} invalid_client` };
    return { value: m, outcome: 'accepted', detail: `client ${c.client_id}: HTTP ${status}${error ? ` ${error} (the placeholder code refused, the client authenticated)` : ''}` };
  };
  const adv: TriedValue[] = [];
  for (const m of advertised) {
    const c = clients.find((x) => x.client.auth === m && (m === 'none' || m === 'client_secret_basic' || m === 'client_secret_post' ? true : m === 'private_key_jwt' ? !!x.client.jwk : false));
    adv.push(c ? await tryClient(c.client, m) : { value: m, outcome: 'not-tried', detail: m.includes('tls') || m === 'client_secret_jwt' ? 'no plan client uses it, and the harness does not authenticate this way' : 'no plan client is registered for it' });
  }
  const extra: TriedValue[] = [];
  for (const m of [...new Set(clients.map((c) => c.client.auth))].filter((m) => !advertised.includes(m))) {
    const c = clients.find((x) => x.client.auth === m)!;
    extra.push(await tryClient(c.client, m));
  }
  return { advertised: adv, unadvertised: extra.filter((t) => t.outcome === 'accepted') };
}

async function tokenRequest(run: ModuleRun, step: StepDef, client: PlanClient, form: Record<string, string>, what: string): Promise<{ status: number; error?: string }> {
  const auth = await clientAuthentication(client, run.ctx.issuer);
  const url = run.endpoint('token_endpoint');
  const ex = await run.http.send(url, { step: step.id!, label: `advertised ${what}`, method: 'POST', headers: { accept: 'application/json', ...auth.headers }, body: { ...form, ...auth.form } });
  const res = run.response(ex);
  const json = res.json as Record<string, unknown> | undefined;
  return { status: res.status, error: typeof json?.error === 'string' ? json.error : undefined };
}

type Answer = { kind: 'proceeds' | 'refused' | 'unclear'; detail: string };

/**
 * An authorization request differing from a plain code request in `name=value` (the plain one
 * first, as the control): refused when answered with an error while the control goes on.
 */
async function authzVariants(run: ModuleRun, step: StepDef, client: PlanClient, name: string, advertised: string[], known: string[]) {
  const control = await authzRequest(run, step, client, {}, 'plain code request (control)');
  if (control.kind !== 'proceeds') {
    const why = `the plain code request (the control) did not go on to the login: ${control.detail}`;
    return { advertised: advertised.map((v): TriedValue => ({ value: v, outcome: 'not-tried', detail: why })), unadvertised: [] };
  }
  const tryOne = async (v: string): Promise<TriedValue> => {
    if (name === 'response_mode' && !KNOWN_MODES.includes(v)) return { value: v, outcome: 'not-tried', detail: 'a JWT-secured (JARM) or other mode: the plan declares no client for it' };
    const a = await authzRequest(run, step, client, { [name]: v }, `${name}=${v}`);
    if (a.kind === 'refused') {
      // RFC 6749 §4.1.2.1: unsupported_response_type is the server's "not supported"; any other
      // error (unauthorized_client, invalid_request "not allowed for this client") refuses the client.
      if (name === 'response_type' && !/error=unsupported_response_type\b/.test(a.detail)) return { value: v, outcome: 'not-tried', detail: `refused for the plan client, not as unsupported (${a.detail})` };
      return { value: v, outcome: 'refused', detail: a.detail };
    }
    return { value: v, outcome: a.kind === 'proceeds' ? 'accepted' : 'not-tried', detail: a.detail };
  };
  const adv: TriedValue[] = [];
  for (const v of advertised) adv.push(await tryOne(v));
  const extra: TriedValue[] = [];
  for (const v of known.filter((k) => !advertised.includes(k))) extra.push(await tryOne(v));
  return { advertised: adv, unadvertised: extra.filter((t) => t.outcome === 'accepted') };
}

async function authzRequest(run: ModuleRun, step: StepDef, client: PlanClient, vary: Record<string, string>, what: string): Promise<Answer> {
  const method = vary.code_challenge_method ?? 'S256';
  // A method the harness does not know gets the verifier as its challenge, as plain does.
  const pkce = pkcePair(method === 'S256' ? 'S256' : 'plain');
  const q: Record<string, string> = {
    response_type: 'code', client_id: client.client_id, redirect_uri: client.redirect_uri, scope: 'openid', state: randomToken(12), nonce: randomToken(12),
    code_challenge: pkce.challenge!, code_challenge_method: method,
    ...vary,
  };
  const url = new URL(run.endpoint('authorization_endpoint'));
  for (const [k, v] of Object.entries(q)) url.searchParams.set(k, v);
  const ex = await run.http.send(url.toString(), { step: step.id!, label: `advertised ${what}`, method: 'GET', headers: { accept: 'text/html' } });
  if (!ex.response) throw new StepAbort(`the authorization endpoint did not answer: ${ex.error ?? 'no response'}`);
  return classify(ex.response.status, ex.response.headers.location, ex.response.body, url.toString(), client.redirect_uri);
}

/** What an authorization endpoint's first answer says: going on (to a login), or refused (an error to the client, or an error page). */
export function classify(status: number, location: string | undefined, body: string, requestUrl: string, redirectUri: string): Answer {
  const base = (u: URL) => `${u.origin}${u.pathname}`;
  if (status >= 300 && status < 400 && location) {
    let to: URL;
    try {
      to = new URL(location, requestUrl);
    } catch {
      return { kind: 'unclear', detail: `HTTP ${status} to an unparsable Location` };
    }
    if (base(to) !== base(new URL(redirectUri))) return { kind: 'proceeds', detail: `HTTP ${status} on to ${base(to)}` };
    const p = new URLSearchParams(to.search);
    for (const [k, v] of new URLSearchParams(to.hash.slice(1))) p.set(k, v);
    if (p.get('error')) return { kind: 'refused', detail: `HTTP ${status} to the redirect_uri with error=${p.get('error')}` };
    return { kind: 'proceeds', detail: `HTTP ${status} to the redirect_uri without error` };
  }
  if (status >= 400) return { kind: 'refused', detail: `HTTP ${status} (an error page)` };
  // A form_post answer: a form to the redirect_uri with an error field.
  const err = /<input[^>]*name=["']?error["']?[^>]*value=["']?([^"'>\s]+)/i.exec(body) ?? /<input[^>]*value=["']?([^"'>\s]+)["']?[^>]*name=["']?error["']?/i.exec(body);
  if (err && body.includes(redirectUri)) return { kind: 'refused', detail: `HTTP ${status}: a form to the redirect_uri with error=${err[1]}` };
  return { kind: 'proceeds', detail: `HTTP ${status} (a page of the OP)` };
}

/** `with` of `discovery-honesty`. */
export const discoveryHonestyOptions = options({
  client: { ...CLIENT, description: 'the client role for authorization requests and grant types (default main); auth methods use every plan client' },
});
