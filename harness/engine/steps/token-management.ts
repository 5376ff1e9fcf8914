// Token management as a careful client does it: revocation (RFC 7009) and introspection
// (RFC 7662, and the RFC 9701 JWT response). Both POST form-encoded bodies with the client
// authenticated as at the token endpoint (clientAuthentication in token.ts).
//
// Common `with`: token_from (a token step id; default the last one), token_type (access_token |
// refresh_token; default access_token), token (a literal value instead, e.g. an unknown token),
// client (the plan client role; default the token's client), auth: none (send no credentials),
// hint (token_type_hint), params / drop / headers (as every step).
// bearer_from (introspect: authenticate with that token step's access token instead).
// introspect: format: jwt (Accept: application/token-introspection+jwt, RFC 9701; jwt_profile:
// fapi2 adds the FAPI 2.0 algorithm check), active:
// true | false (what the answer must say; a module's expect.cite names the rule), members (what
// an active answer must carry, e.g. [scope, client_id]), after_expiry: true (first wait out the
// token's own expires_in, plus the margin wait.ts uses; refused when over 60 s).
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import {
  INTROSPECTION_JWT_TYPE,
  introspectionCertificateBinding,
  introspectionDescribesToken,
  introspectionJwtFapiAlg,
  introspectionJwtResponseValid,
  introspectionResponseMatchesSchema,
  revocationErrorMatchesSchema,
} from '../../checks/index.ts';
import type { RecordedResponse } from '../../core/exchange.ts';
import type { StepDef } from '../../core/types.ts';
import { judgeErrorResponse, shapeHeaders, shapeParams, StepAbort, StepSkip, type ModuleRun } from '../module-run.ts';
import { fetchJwks } from './metadata.ts';
import { EXPIRY_MARGIN_MS } from './wait.ts';
import { maskIssuedSecrets } from './register.ts';
import { clientAuthentication, nowSeconds } from './token.ts';
import { BOOLEAN, CERT, CLIENT, enumOf, options, SECRET, SHAPE_REQUEST, STEP_REF, STRING, STRINGS } from './options.ts';

interface Target { role: string; token: string; label: string }

/** Which token the step is about, and which client presents it. */
function target(run: ModuleRun, w: Record<string, unknown>): Target {
  if (typeof w.token === 'string') return { role: (w.client as string) ?? 'main', token: w.token, label: 'a literal token' };
  const from = run.output('token', w.token_from as string | undefined);
  const type = (w.token_type as string) ?? 'access_token';
  if (type !== 'access_token' && type !== 'refresh_token') throw new StepAbort(`with.token_type must be access_token or refresh_token, not ${JSON.stringify(type)}`);
  const token = type === 'refresh_token' ? from.refreshToken : from.accessToken;
  if (!token) throw new StepAbort(`step "${(w.token_from as string) ?? 'token'}" issued no ${type}`);
  return { role: (w.client as string) ?? from.client, token, label: type };
}

async function request(run: ModuleRun, step: StepDef, endpointName: string, label: string, extraHeaders: Record<string, string> = {}) {
  const w = step.with ?? {};
  const t = target(run, w);
  // RFC 7662 §2.1: the caller authenticates as a client, or presents an access token it holds
  // for the introspection endpoint (`bearer_from`: that token step; the caller is its client).
  const bearer = typeof w.bearer_from === 'string' ? run.output('token', w.bearer_from) : undefined;
  if (bearer && !bearer.accessToken) throw new StepAbort(`step "${w.bearer_from}" issued no access token`);
  const client = run.client(bearer ? bearer.client : t.role);
  const auth = w.auth === 'none' ? { form: {}, headers: {} }
    : bearer ? { form: {}, headers: { authorization: `Bearer ${bearer.accessToken}` } }
    : await clientAuthentication(client, run.ctx.issuer, w.secret as string | undefined);
  const form = shapeParams({ token: t.token, token_type_hint: w.hint as string | undefined, ...auth.form }, w);
  const headers = shapeHeaders({ accept: 'application/json', ...extraHeaders, ...auth.headers }, w);
  // RFC 8705: a mutual-TLS client calls the endpoint's mtls alias (§5) with its certificate.
  const role = bearer ? bearer.client : t.role;
  const ex = await run.http.send(run.endpointFor(endpointName, step, role), { cert: run.certFor(step, role), step: step.id!, label: `${label} (${t.label}, as ${client.client_id}${w.auth === 'none' ? ', no client authentication' : bearer ? ', with a bearer access token' : ''})`, method: 'POST', headers, body: form });
  maskIssuedSecrets(run);
  return { ex, res: run.response(ex), client, t };
}

export async function revoke(run: ModuleRun, step: StepDef): Promise<void> {
  const { ex, res } = await request(run, step, 'revocation_endpoint', 'revocation request');
  const e = step.expect;
  // RFC 7009 §2.2: 200 whenever the token is (now) invalid; a refusal is an error response.
  if (e?.error || (e?.status && e.status.some((s) => s >= 400))) {
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse(e, res, [400, 401]), ex.id);
    if (res.status === 400 || res.status === 401) run.add(revocationErrorMatchesSchema(errorEvidence(res), ex.id));
    return;
  }
  const statuses = e?.status ?? [200];
  const ok = statuses.includes(res.status);
  const v = { ok, message: ok ? `revocation answered HTTP ${res.status}` : `expected HTTP ${statuses.join(' or ')}, got ${res.status} ${res.body.slice(0, 200)}`, expected: { status: statuses }, actual: { status: res.status } };
  run.expectation(step, `${step.id}-answered`, v, ex.id, 'RFC7009-2.2-unknown-token');
  if (!ok) throw new StepAbort(v.message);
}

export async function introspect(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  if (w.after_expiry === true) await waitForExpiry(run, w);
  const jwt = w.format === 'jwt';
  const { ex, res, client, t } = await request(run, step, 'introspection_endpoint', jwt ? 'introspection request (JWT response)' : 'introspection request', jwt ? { accept: INTROSPECTION_JWT_TYPE } : {});
  const e = step.expect;
  if (e?.error || (e?.status && e.status.some((s) => s >= 400))) {
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse(e, res, [400, 401]), ex.id);
    return;
  }
  let json: unknown = res.json ?? res.body;
  if (jwt) json = await judgeJwt(run, step, res, client.client_id, ex.id);
  else run.add(introspectionResponseMatchesSchema({ status: res.status, contentType: res.headers['content-type'], json }, ex.id));
  const want = w.active;
  if (res.status !== 200) {
    const why = `introspection failed: HTTP ${res.status} ${res.body.slice(0, 200)}`;
    // An expected answer that never came is a failed expectation, not just an aborted flow.
    if (want === false) run.expectation(step, `${step.id}-inactive`, { ok: false, message: `expected HTTP 200 with active: false, ${why}`, expected: { status: 200, active: false }, actual: { status: res.status } }, ex.id, 'RFC7662-2.2-inactive');
    else run.succeeded(step, false, why, ex.id);
    throw new StepAbort(why);
  }
  if (want === true) {
    const values: Record<string, unknown> = { client_id: client.client_id };
    run.add(introspectionDescribesToken({ json, members: (w.members as string[] | undefined) ?? [], values }, ex.id));
    // `with.certificate_bound`: RFC 8705 §3.2, cnf.x5t#S256 of the token's client's certificate.
    if (w.certificate_bound === true) {
      const cert = run.ctx.clientCerts?.[t.role];
      if (!cert) throw new StepAbort(`with.certificate_bound: plan clients.${t.role} has no certificate`);
      run.add(introspectionCertificateBinding({ json, thumbprint: cert.thumbprint }, ex.id));
    }
    run.succeeded(step, (json as { active?: unknown })?.active === true, `active: ${String((json as { active?: unknown })?.active)}`, ex.id);
  } else if (want === false) {
    const active = (json as { active?: unknown } | undefined)?.active;
    const ok = active === false;
    run.expectation(step, `${step.id}-inactive`, { ok, message: ok ? 'the token introspects as inactive' : `expected active: false, found active: ${String(active)}`, expected: { active: false }, actual: { active: active ?? null } }, ex.id, 'RFC7662-2.2-inactive');
  }
}

/** RFC 9701: decode, verify with the JWKS, check; the token_introspection claim is the answer. */
async function judgeJwt(run: ModuleRun, step: StepDef, res: RecordedResponse, clientId: string, exId: string): Promise<unknown> {
  let header: Record<string, unknown> | null = null;
  let claims: Record<string, unknown> | null = null;
  try {
    header = decodeProtectedHeader(res.body) as Record<string, unknown>;
    claims = decodeJwt(res.body) as Record<string, unknown>;
  } catch {
    // not a JWT: the check says so
  }
  let verified = false;
  let error: string | undefined;
  if (header && claims && typeof header.alg === 'string' && header.alg.toLowerCase() !== 'none') {
    if (!run.jwks) await fetchJwks(run, step.id!);
    try {
      await compactVerify(res.body, createLocalJWKSet(run.jwks as { keys: JWK[] }));
      verified = true;
    } catch (err) {
      error = `${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}`;
    }
  }
  const e = { status: res.status, contentType: res.headers['content-type'], header, claims, verified, error, issuer: run.ctx.issuer, clientId, now: nowSeconds() };
  run.add(introspectionJwtResponseValid(e, exId));
  // with.jwt_profile: fapi2: FAPI 2.0 SP §5.4.1 algorithms too.
  if ((step.with ?? {}).jwt_profile === 'fapi2') run.add(introspectionJwtFapiAlg(e, exId));
  return claims?.token_introspection;
}

/** Wait exactly as long as the token response's expires_in said (never longer than the provider says). */
async function waitForExpiry(run: ModuleRun, w: Record<string, unknown>): Promise<void> {
  const from = run.output('token', w.token_from as string | undefined);
  const expiresIn = from.json?.expires_in;
  if (typeof expiresIn !== 'number') throw new StepSkip('the token response gave no expires_in to wait for');
  if (expiresIn > 60) throw new StepSkip(`the access token lives ${expiresIn} s; set a short access token TTL (≤ 60 s) to test expiry`);
  await run.sleep(expiresIn * 1000 + EXPIRY_MARGIN_MS);
}

function errorEvidence(res: RecordedResponse) {
  return { status: res.status, contentType: res.headers['content-type'], json: res.json ?? res.body };
}

/** What `introspect` and `revoke` both read (target, request). */
const TOKEN_MANAGEMENT = {
  token: { ...STRING, description: 'a literal token instead of an earlier one' },
  token_from: STEP_REF,
  token_type: enumOf('access_token', 'refresh_token'),
  client: CLIENT,
  auth: enumOf('none'),
  secret: SECRET,
  bearer_from: STEP_REF,
  hint: STRING,
  cert: CERT,
  ...SHAPE_REQUEST,
} as const;

/** `with` of `revoke`. */
export const revokeOptions = options({ ...TOKEN_MANAGEMENT });

/** `with` of `introspect`. */
export const introspectOptions = options({
  ...TOKEN_MANAGEMENT,
  format: enumOf('jwt'),
  jwt_profile: { ...enumOf('fapi2'), description: 'fapi2: the JWT response is also judged by FAPI 2.0 SP §5.4.1 (PS256, ES256, EdDSA)' },
  active: BOOLEAN,
  members: STRINGS,
  after_expiry: BOOLEAN,
  certificate_bound: { ...BOOLEAN, description: 'the token is certificate-bound: cnf.x5t#S256 must name its client\'s certificate (RFC 8705 §3.2)' },
});
