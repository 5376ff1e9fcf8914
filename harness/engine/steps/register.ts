// Dynamic client registration (RFC 7591) and management (RFC 7592), as a careful client does it.
//   with.op: create (default) | read | update | delete
//   create: POST the JSON client metadata to the registration_endpoint: the plan's template
//     `registration_metadata.<with.metadata_from>` (what this OP needs, e.g. redirect_uris, which
//     OIDC Registration §2 makes REQUIRED), with `with.metadata` members on top (with `generate_key: ES256 |
//     PS256 | RS256` a fresh key pair is made, its public JWK registered as `jwks` and the private
//     one kept for private_key_jwt, masked); with an initial access
//     token (RFC 7591 §3) when `with.initial_token_from` names a plan client role whose `secret`
//     holds it (masked like every secret; a plan without that role registers openly). On 201 the
//     client becomes usable by later steps as the role `with.as` (default `registered`).
//   read / update / delete: GET / PUT / DELETE the registration_client_uri of the step `with.from`
//     (default the last create) with its registration_access_token (`with.token: none | wrong` to
//     send none or a wrong one). update PUTs {client_id, ...with.metadata}; read compares the
//     answer with the metadata last registered or updated. update also takes `metadata_from`.
// Issued client secrets and registration access tokens are replaced by *** in every recorded
// exchange and finding of the module as soon as a step of this file (or another back-channel step
// using the registered client) ends.
import { randomBytes } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { registrationEchoesMetadata, registrationResponseMatchesSchema } from '../../checks/index.ts';
import { maskSecrets } from '../../core/mask.ts';
import type { PlanClient, StepDef } from '../../core/types.ts';
import { judgeErrorResponse, NotApplicable, shapeHeaders, StepAbort, type ModuleRun } from '../module-run.ts';
import { DROP, enumOf, HEADERS, options, STEP_REF, STRING } from './options.ts';

interface Registered {
  role: string;
  clientId: string;
  uri: string;
  token: string;
  /** The metadata last sent (create or update): what a read must give back. */
  metadata: Record<string, unknown>;
}

const registered = new WeakMap<ModuleRun, Map<string, Registered>>();
const secrets = new WeakMap<ModuleRun, string[]>();

function regs(run: ModuleRun): Map<string, Registered> {
  let m = registered.get(run);
  if (!m) registered.set(run, (m = new Map()));
  return m;
}

/** Remember a secret issued at run time, with the encodings it travels in (Basic, form, URI). */
function rememberSecret(run: ModuleRun, value: string, clientId?: string): void {
  const list = secrets.get(run) ?? [];
  list.push(value, encodeURIComponent(value), new URLSearchParams({ x: value }).toString().slice(2));
  if (clientId) {
    list.push(Buffer.from(`${encodeURIComponent(clientId)}:${encodeURIComponent(value)}`).toString('base64'), Buffer.from(`${clientId}:${value}`).toString('base64'));
  }
  secrets.set(run, [...new Set(list)].filter((s) => s.length >= 8).sort((a, b) => b.length - a.length));
}

/** Replace the module's run-time secrets in everything recorded so far. */
export function maskIssuedSecrets(run: ModuleRun): void {
  const list = secrets.get(run);
  if (!list?.length) return;
  const ex = run.http.exchanges;
  for (let i = 0; i < ex.length; i++) ex[i] = maskSecrets(ex[i], list);
  for (let i = 0; i < run.findings.length; i++) run.findings[i] = maskSecrets(run.findings[i], list);
}

export async function register(run: ModuleRun, step: StepDef): Promise<void> {
  try {
    const op = (step.with?.op as string) ?? 'create';
    if (op === 'create') await create(run, step);
    else if (op === 'read' || op === 'update' || op === 'delete') await manage(run, step, op);
    else throw new StepAbort(`register: with.op must be create, read, update or delete, not ${JSON.stringify(op)}`);
  } finally {
    maskIssuedSecrets(run);
  }
}

const expectsRefusal = (step: StepDef) => !!(step.expect?.error || step.expect?.status?.some((s) => s >= 400));

/** The plan's metadata template named by `with.metadata_from`, with `with.metadata` on top. */
function metadataOf(run: ModuleRun, w: Record<string, unknown>): Record<string, unknown> {
  const name = w.metadata_from as string | undefined;
  const base = name === undefined ? {} : run.ctx.plan.registration_metadata?.[name];
  if (!base) throw new NotApplicable(`needs plan registration_metadata.${name}`);
  return { ...structuredClone(base), ...((w.metadata as Record<string, unknown>) ?? {}) };
}

async function create(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const metadata = metadataOf(run, w);
  const privateJwk = typeof w.generate_key === 'string' ? await newKey(run, w.generate_key) : undefined;
  if (privateJwk) {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = privateJwk;
    metadata.jwks = { keys: [pub] };
  }
  const initial = typeof w.initial_token_from === 'string' ? run.ctx.plan.clients[w.initial_token_from]?.secret : undefined;
  const headers = shapeHeaders({ accept: 'application/json', 'content-type': 'application/json', authorization: initial ? `Bearer ${initial}` : undefined }, w);
  const ex = await run.http.send(run.endpoint('registration_endpoint'), { step: step.id!, label: `client registration${initial ? ' (with the initial access token)' : ''}`, method: 'POST', headers, body: JSON.stringify(metadata) });
  const res = run.response(ex);
  if (expectsRefusal(step)) {
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse(step.expect!, res, [400]), ex.id);
    return;
  }
  const json = res.json as Record<string, unknown> | undefined;
  if (json && typeof json.client_secret === 'string') rememberSecret(run, json.client_secret, typeof json.client_id === 'string' ? json.client_id : undefined);
  if (json && typeof json.registration_access_token === 'string') rememberSecret(run, json.registration_access_token);
  const shape = registrationResponseMatchesSchema({ status: res.status, expectedStatus: 201, contentType: res.headers['content-type'], json: res.json ?? res.body, created: true }, ex.id);
  run.add(shape, registrationEchoesMetadata({ sent: metadata, json }, ex.id));
  run.succeeded(step, shape.ok, shape.ok ? 'client registered' : shape.message, ex.id);
  if (!shape.ok || !json) throw new StepAbort(`registration failed: HTTP ${res.status}`);
  const role = (w.as as string) ?? 'registered';
  const clientId = json.client_id as string;
  const auth = (json.token_endpoint_auth_method as PlanClient['auth'] | undefined) ?? 'client_secret_basic';
  // A client registered without redirect URIs has none (it cannot run a redirect flow).
  const redirect = Array.isArray(json.redirect_uris) && typeof json.redirect_uris[0] === 'string' ? json.redirect_uris[0] : '';
  run.registeredClients.set(role, { client_id: clientId, auth, secret: json.client_secret as string | undefined, jwk: privateJwk, redirect_uri: redirect, scope: json.scope as string | undefined });
  regs(run).set(step.id!, { role, clientId, uri: json.registration_client_uri as string, token: json.registration_access_token as string, metadata });
}

/** A fresh signing key for a client registering for private_key_jwt; the private members are masked. */
async function newKey(run: ModuleRun, alg: string): Promise<Record<string, unknown>> {
  if (!['ES256', 'PS256', 'RS256'].includes(alg)) throw new StepAbort(`register: with.generate_key must be ES256, PS256 or RS256, not ${JSON.stringify(alg)}`);
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const jwk = await exportJWK(privateKey);
  const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = jwk;
  for (const m of [jwk.d, jwk.p, jwk.q, jwk.dp, jwk.dq, jwk.qi]) if (m) rememberSecret(run, m);
  return { ...jwk, kid: await calculateJwkThumbprint(pub), alg, use: 'sig' };
}

async function manage(run: ModuleRun, step: StepDef, op: 'read' | 'update' | 'delete'): Promise<void> {
  const w = step.with ?? {};
  const all = [...regs(run).entries()];
  const entry = w.from ? regs(run).get(w.from as string) : all[all.length - 1]?.[1];
  if (!entry) throw new StepAbort(w.from ? `step "${w.from}" registered no client` : 'no earlier register step in the flow');
  const token = w.token === 'none' ? undefined : w.token === 'wrong' ? randomBytes(24).toString('base64url') : entry.token;
  const method = op === 'read' ? 'GET' : op === 'update' ? 'PUT' : 'DELETE';
  const body = op === 'update' ? { client_id: entry.clientId, ...metadataOf(run, w) } : undefined;
  const headers = shapeHeaders({ accept: 'application/json', 'content-type': body ? 'application/json' : undefined, authorization: token ? `Bearer ${token}` : undefined }, w);
  const what = w.token === 'none' ? ' without the registration access token' : w.token === 'wrong' ? ' with a wrong registration access token' : '';
  const ex = await run.http.send(entry.uri, { step: step.id!, label: `client configuration ${method}${what}`, method, headers, body: body ? JSON.stringify(body) : undefined });
  const res = run.response(ex);
  if (expectsRefusal(step)) {
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse(step.expect!, res, [401]), ex.id);
    return;
  }
  if (op === 'delete') {
    // RFC 7592 §2.3: 204 No Content.
    const ok = res.status === 204;
    run.expectation(step, `${step.id}-deleted`, { ok, message: ok ? 'client deleted (204)' : `expected HTTP 204, got ${res.status}`, expected: { status: 204 }, actual: { status: res.status } }, ex.id, 'RFC7592-2.3-delete');
    if (!ok) throw new StepAbort(`delete failed: HTTP ${res.status}`);
    return;
  }
  const json = res.json as Record<string, unknown> | undefined;
  const shape = registrationResponseMatchesSchema({ status: res.status, expectedStatus: 200, contentType: res.headers['content-type'], json: res.json ?? res.body }, ex.id);
  const sent = op === 'update' ? (body as Record<string, unknown>) : entry.metadata;
  const echo = registrationEchoesMetadata({ sent, json }, ex.id);
  run.add(shape, echo);
  // The rule the module proves (RFC 7592 §2.1 read, §2.2 update) rides on the answer holding the metadata.
  run.succeeded(step, shape.ok && echo.ok, shape.ok && echo.ok ? `client ${op} answered with the registered metadata` : `${shape.ok ? echo.message : shape.message}`, ex.id);
  if (!shape.ok) throw new StepAbort(`client ${op} failed: HTTP ${res.status}`);
  // RFC 7592 §3: the answer carries the registration access token, possibly a new one to use from now on.
  if (json && typeof json.registration_access_token === 'string' && json.registration_access_token !== entry.token) {
    rememberSecret(run, json.registration_access_token);
    entry.token = json.registration_access_token;
  }
  if (op === 'update') entry.metadata = { ...sent };
  delete entry.metadata.client_id;
}

/** `with` of `register`. */
export const registerOptions = options({
  op: enumOf('create', 'read', 'update', 'delete'),
  metadata_from: { ...STRING, description: 'a plan registration_metadata template' },
  metadata: { type: 'object', description: 'client metadata members on top of the template' },
  generate_key: enumOf('ES256', 'PS256', 'RS256'),
  initial_token_from: { ...STRING, description: 'a plan client role whose secret is the initial access token' },
  as: { ...STRING, description: 'the role the registered client takes (default registered)' },
  from: STEP_REF,
  token: enumOf('none', 'wrong'),
  headers: HEADERS,
  drop: DROP,
});
