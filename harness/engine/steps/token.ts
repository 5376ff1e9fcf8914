// The token request for the authorization_code grant, with the plan client's authentication
// method, and full ID Token validation on success (signature via the JWKS found through
// discovery, then iss, aud, exp, iat, nonce, at_hash).
import { randomUUID } from 'node:crypto';
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, importJWK, SignJWT, UnsecuredJWT, type JWK } from 'jose';
import {
  clientSecretLongEnough,
  accessTokenCertificateBound,
  errorResponseMatchesSchema,
  idTokenMacVerified,
  idTokenAtHashMatches,
  idTokenAudContainsClient,
  idTokenHasRequiredClaims,
  idTokenIatIsRecent,
  idTokenIatWithinWindow,
  idTokenAzpIsClient,
  idTokenIssMatches,
  idTokenNonceMatches,
  idTokenRefreshHasNoNonce,
  idTokenRefreshNonce,
  idTokenNotExpired,
  idTokenHasAuthTime,
  idTokenSignatureVerified,
  tokenResponseHasIdToken,
  tokenResponseMatchesSchema,
  tokenResponseNoStore,
} from '../../checks/index.ts';
import type { PlanClient, StepDef } from '../../core/types.ts';
import type { Finding } from '../../core/finding.ts';
import { judgeErrorResponse, shapeHeaders, shapeParams, StepAbort, type ModuleRun, type TokenOutput } from '../module-run.ts';
import { fetchJwks } from './metadata.ts';
import { formEncode } from '../http.ts';
import { judgeDpopTokenResponse, sendWithDpop } from '../dpop.ts';
import { ASSERTION, CLIENT, DPOP, enumOf, ID_TOKEN_OPTIONS, options, SECRET, STEP_REF, TOKEN_REQUEST } from './options.ts';

/**
 * `with.assertion`: a deliberately wrong private_key_jwt client assertion (negative modules):
 * another alg (e.g. RS256 with the client's RSA key), aud as issuer | token_endpoint |
 * par_endpoint | array (issuer and token endpoint) | any literal URL, exp / nbf offsets in seconds
 * from now, claims left out, or `none`: no client assertion at all (only client_id).
 * `alg: none`: an unsecured JWT (RFC 7519 §6, no signature); `bad_signature`: signed, then one
 * signature byte changed; `iat_offset`: iat this many seconds from now (no nbf) (RFC 7523 §3).
 */
export interface AssertionOptions {
  alg?: string;
  aud?: string;
  exp_offset?: number;
  nbf_offset?: number;
  iat_offset?: number;
  omit?: string[];
  none?: boolean;
  bad_signature?: boolean;
}

/** A JWS whose signature no longer matches its content: the first signature byte flipped. */
export function tamperSignature(jws: string): string {
  const [h, p, sig] = jws.split('.');
  const bytes = Buffer.from(sig, 'base64url');
  bytes[0] ^= 0x01;
  return `${h}.${p}.${bytes.toString('base64url')}`;
}

/** The audience `with.assertion.aud` names, from the issuer and discovery (no endpoint path is guessed). */
export function assertionAudience(aud: string | undefined, issuer: string, meta?: Record<string, unknown>): string | string[] {
  const endpoint = (field: string): string => {
    const v = meta?.[field];
    if (typeof v !== 'string') throw new StepAbort(`discovery has no ${field} (the client assertion's aud)`);
    return v;
  };
  switch (aud ?? 'issuer') {
    case 'issuer': return issuer;
    case 'token_endpoint': return endpoint('token_endpoint');
    case 'par_endpoint': return endpoint('pushed_authorization_request_endpoint');
    case 'array': return [issuer, endpoint('token_endpoint')];
    default: return aud as string;
  }
}

/** Form fields and headers that authenticate `client` at `audience` (RFC 6749 §2.3, RFC 7523). */
export async function clientAuthentication(
  client: PlanClient,
  audience: string | string[],
  secretOverride?: string,
  mutate: AssertionOptions = {},
): Promise<{ form: Record<string, string>; headers: Record<string, string> }> {
  if (mutate.none) return { form: { client_id: client.client_id }, headers: {} };
  const secret = secretOverride ?? client.secret ?? '';
  switch (client.auth) {
    case 'client_secret_basic': {
      const cred = `${encodeURIComponent(client.client_id)}:${encodeURIComponent(secret)}`;
      return { form: {}, headers: { authorization: `Basic ${Buffer.from(cred).toString('base64')}` } };
    }
    case 'client_secret_post':
      return { form: { client_id: client.client_id, client_secret: secret }, headers: {} };
    case 'private_key_jwt': {
      const jwk = client.jwk as JWK;
      const alg = mutate.alg ?? jwk.alg ?? (jwk.kty === 'EC' ? 'ES256' : jwk.kty === 'OKP' ? 'EdDSA' : 'PS256');
      const now = Math.floor(Date.now() / 1000);
      const claims: Record<string, unknown> = {
        iss: client.client_id,
        sub: client.client_id,
        aud: audience,
        jti: randomUUID(),
        iat: now + (mutate.iat_offset ?? Math.max(0, mutate.nbf_offset ?? 0)),
        // A future iat keeps exp 60 s after it (so only iat is wrong).
        exp: now + (mutate.exp_offset ?? 60 + Math.max(0, mutate.iat_offset ?? 0)),
        ...(mutate.nbf_offset !== undefined ? { nbf: now + mutate.nbf_offset } : {}),
      };
      // An expired assertion keeps iat before exp.
      if ((claims.exp as number) <= (claims.iat as number)) claims.iat = (claims.exp as number) - 60;
      for (const c of mutate.omit ?? []) delete claims[c];
      const assertion = await signAssertion(claims, jwk, alg, mutate.bad_signature);
      return {
        form: { client_id: client.client_id, client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer', client_assertion: assertion },
        headers: {},
      };
    }
    default:
      return { form: { client_id: client.client_id }, headers: {} };
  }
}

/** The assertion JWT: signed with the client's key for `alg`, unsecured for `none` (RFC 7519 §6), or with a broken signature. */
async function signAssertion(claims: Record<string, unknown>, jwk: JWK, alg: string, badSignature = false): Promise<string> {
  if (alg === 'none') return new UnsecuredJWT(claims).encode();
  const key = await importJWK({ ...jwk, alg }, alg);
  const jws = await new SignJWT(claims).setProtectedHeader({ alg, ...(jwk.kid ? { kid: jwk.kid } : {}) }).sign(key);
  return badSignature ? tamperSignature(jws) : jws;
}

/**
 * The same client assertion with a fresh jti, for a request sent again (a DPoP nonce retry): RFC 7523
 * §3 item 7 lets the server refuse a reused jti, so a retry must not replay the first assertion.
 * Other claims and the header stay as built (a mutated assertion stays mutated: an unsecured one stays
 * unsecured, one whose signature does not verify with the client's key gets a broken one again; no jti stays none).
 */
export async function reissueAssertion(form: Record<string, string>, client: PlanClient): Promise<Record<string, string>> {
  if (!form.client_assertion || !client.jwk) return form;
  const header = decodeProtectedHeader(form.client_assertion) as { alg: string; kid?: string };
  const claims = decodeJwt(form.client_assertion);
  if (!('jti' in claims)) return form;
  const fresh = { ...claims, jti: randomUUID() };
  if (header.alg === 'none') return { ...form, client_assertion: new UnsecuredJWT(fresh).encode() };
  const key = await importJWK({ ...(client.jwk as JWK), alg: header.alg }, header.alg);
  let broken = false;
  try {
    const { d: _d, p: _p, q: _q, dp: _dp, dq: _dq, qi: _qi, ...pub } = client.jwk as JWK;
    await compactVerify(form.client_assertion, await importJWK({ ...pub, alg: header.alg }, header.alg));
  } catch {
    broken = true;
  }
  const assertion = await new SignJWT(fresh).setProtectedHeader(header).sign(key);
  return { ...form, client_assertion: broken ? tamperSignature(assertion) : assertion };
}

/** The authorization_code token request for an earlier authorize step (shared with the race step). */
export async function codeGrantRequest(run: ModuleRun, step: StepDef) {
  const w = step.with ?? {};
  const authz = run.output('authorize', w.from as string | undefined);
  const role = (w.client as string) ?? authz.client;
  const client = run.client(role);
  const mutate = w.assertion as AssertionOptions | undefined;
  const auth = await clientAuthentication(client, assertionAudience(mutate?.aud, run.ctx.issuer, run.discovery), w.secret as string | undefined, mutate);
  const form = shapeParams(
    {
      grant_type: 'authorization_code',
      code: authz.response?.code,
      redirect_uri: authz.params.redirect_uri,
      code_verifier: authz.verifier,
      // RFC 8707 §2.2: the resource the authorization request asked for, so the token is for it.
      resource: authz.params.resource,
      ...auth.form,
    },
    w,
  );
  const headers = shapeHeaders({ accept: 'application/json', ...auth.headers }, w);
  return { authz, role, client, form, headers };
}

export async function token(run: ModuleRun, step: StepDef): Promise<void> {
  const { authz, role, client, form, headers } = await codeGrantRequest(run, step);
  const sent = await postToTokenEndpoint(run, step, role, 'token request', form, headers);
  if (!sent) return;
  const { out, json, exId } = sent;
  const before = run.findings.length;
  await acceptTokens(run, step, out, json, client, (authz.params.scope ?? '').split(' ').includes('openid'), authz.params.nonce, exId);
  // Success means usable tokens: issued, and the ID Token valid (signature, claims).
  const bad = run.findings.slice(before).find((f) => !f.ok);
  run.succeeded(step, !bad, bad ? `tokens issued but ${bad.check} failed: ${bad.message}` : 'tokens issued and valid', exId);
  judgeRefreshTokenAbsent(run, step, out, exId);
}

/**
 * POST a grant to the token endpoint and judge the response (shared by the code and refresh
 * grants). An expected refusal is judged here and gives undefined; an unexpected failure aborts.
 */
export async function postToTokenEndpoint(
  run: ModuleRun,
  step: StepDef,
  role: string,
  label: string,
  form: Record<string, string>,
  headers: Record<string, string>,
): Promise<{ out: TokenOutput; json: Record<string, unknown>; exId: string } | undefined> {
  // `with.dpop`: a DPoP proof (RFC 9449 §5), with the nonce retry (§8) unless the step omits it.
  // `with.method: GET` sends the whole request in the query (RFC 6749 §3.2: POST only); `with.query`
  // adds parameters to the request URI (RFC 6749 §2.3.1: no client credentials there).
  const get = String(step.with?.method ?? 'POST').toUpperCase() === 'GET';
  const query = shapeParams({}, { params: step.with?.query });
  // RFC 8705: a mutual-TLS client presents its certificate at the mtls alias (§5) of the endpoint.
  const cert = run.certFor(step, role);
  const base = run.endpointFor('token_endpoint', step, role);
  const withQuery = (u: string, q: Record<string, string>) => (Object.keys(q).length ? `${u}${u.includes('?') ? '&' : '?'}${formEncode(q)}` : u);
  const url = withQuery(base, query);
  let body = form;
  const ex = await sendWithDpop(run, step, { method: get ? 'GET' : 'POST', url: base }, async (dpop, retry) => {
    if (retry) body = await reissueAssertion(body, run.client(role));
    if (get) return run.http.send(withQuery(url, body), { step: step.id!, label, method: 'GET', headers: { ...headers, ...dpop }, cert });
    const sentBody = withDuplicates(body, step.with?.duplicate);
    const type: Record<string, string> = typeof sentBody === 'string' ? { 'content-type': 'application/x-www-form-urlencoded' } : {};
    return run.http.send(url, { step: step.id!, label, method: 'POST', headers: { ...type, ...headers, ...dpop }, body: sentBody, cert });
  });
  const res = run.response(ex);
  const out: TokenOutput = { kind: 'token', client: role, json: res.json as Record<string, unknown> | undefined };
  run.outputs.set(step.id!, out);
  const e = step.expect;
  if (e?.error || e?.status) {
    run.expectation(step, `${step.id}-refused`, judgeErrorResponse(e, res, [400, 401]), ex.id);
    // A GET may be answered by the HTTP server itself (404 / 405, not RFC 6749 §5.2 JSON).
    if (res.status >= 400 && !(get && (res.status === 404 || res.status === 405))) run.add(errorResponseMatchesSchema({ status: res.status, json: res.json ?? res.body, contentType: res.headers['content-type'] }, ex.id));
    judgeDpopTokenResponse(run, step, res, ex.id, true);
    return undefined;
  }
  const schema = tokenResponseMatchesSchema({ status: res.status, contentType: res.headers['content-type'], json: res.json ?? res.body }, ex.id);
  run.add(schema, tokenResponseNoStore(res.headers, ex.id));
  if (!schema.ok) {
    const why = `the ${label} failed: HTTP ${res.status} ${res.body.slice(0, 200)}`;
    run.succeeded(step, false, why, ex.id);
    throw new StepAbort(why);
  }
  judgeDpopTokenResponse(run, step, res, ex.id, false);
  // `with.certificate_bound`: RFC 8705 §3.1, the access token names the certificate of this request.
  if (step.with?.certificate_bound === true) {
    if (!cert) throw new StepAbort('with.certificate_bound: the token request presented no client certificate');
    run.add(accessTokenCertificateBound({ accessToken: (res.json as Record<string, unknown> | undefined)?.access_token, thumbprint: cert.thumbprint }, ex.id));
  }
  return { out, json: res.json as Record<string, unknown>, exId: ex.id };
}

/**
 * `with.duplicate: [names]`: each named parameter sent a second time with another value (RFC 6749
 * §3.2: parameters MUST NOT be included more than once; §5.2: the server answers invalid_request).
 */
export function withDuplicates(body: Record<string, string>, names: unknown): Record<string, string> | string {
  if (!Array.isArray(names) || names.length === 0) return body;
  let b = formEncode(body);
  for (const name of names as string[]) b += `&${encodeURIComponent(name)}=${encodeURIComponent(`${body[name] ?? 'x'}-again`)}`;
  return b;
}

/** `with.refresh_token: absent`: the grant must not carry a refresh token (e.g. no offline consent). */
function judgeRefreshTokenAbsent(run: ModuleRun, step: StepDef, out: TokenOutput, exId: string): void {
  if (step.with?.refresh_token !== 'absent') return;
  const ok = out.refreshToken === undefined;
  run.expectation(step, `${step.id}-no-refresh-token`, { ok, message: ok ? 'no refresh_token issued' : 'a refresh_token was issued', expected: 'no refresh_token', actual: ok ? 'none' : '(issued)' }, exId);
}

/** Record issued tokens and validate the ID Token (shared by the code and refresh grants). */
export async function acceptTokens(
  run: ModuleRun,
  step: StepDef,
  out: TokenOutput,
  json: Record<string, unknown>,
  client: PlanClient,
  openid: boolean,
  nonce: string | undefined | { refreshOf: TokenOutput },
  exId: string,
): Promise<void> {
  out.accessToken = typeof json.access_token === 'string' ? json.access_token : undefined;
  out.refreshToken = typeof json.refresh_token === 'string' ? json.refresh_token : undefined;
  if (!openid) return;
  const hasIdToken = tokenResponseHasIdToken(json, exId);
  run.add(hasIdToken);
  if (!hasIdToken.ok || typeof json.id_token !== 'string') return;
  out.idToken = json.id_token;
  await validateIdToken(run, step, out, client, nonce, exId);
  judgeAuthTime(run, step, out);
}

/**
 * `with.checks: [auth-time]` requires auth_time; `with.auth_time: { after | same_as: <token step> }`
 * compares it with an earlier ID Token's (re-authentication moves it forward; none keeps it).
 */
function judgeAuthTime(run: ModuleRun, step: StepDef, out: TokenOutput): void {
  const w = step.with ?? {};
  const claims = out.idTokenClaims ?? {};
  if (((w.checks as string[] | undefined) ?? []).includes('auth-time')) run.add(idTokenHasAuthTime(claims));
  const rule = w.auth_time as { after?: string; same_as?: string } | undefined;
  if (!rule) return;
  const earlier = run.output('token', rule.after ?? rule.same_as).idTokenClaims?.auth_time;
  // Not the OP's fault when the earlier ID Token was not asked for auth_time (it is OPTIONAL then, OIDC Core §2).
  if (typeof earlier !== 'number') throw new StepAbort(`step "${rule.after ?? rule.same_as}" has no ID Token auth_time to compare with (request it with max_age or the claims parameter)`);
  const now = claims.auth_time;
  const ok = typeof now === 'number' && typeof earlier === 'number' && (rule.after ? now > earlier : now === earlier);
  const want = rule.after ? `auth_time later than ${earlier}` : `auth_time equal to ${earlier}`;
  run.expectation(step, `${step.id}-auth-time`, { ok, message: ok ? `${want}: ${now}` : `expected ${want}, found ${String(now)}`, expected: want, actual: now ?? null });
}

async function validateIdToken(run: ModuleRun, step: StepDef, out: TokenOutput, client: PlanClient, nonceOrRefresh: string | undefined | { refreshOf: TokenOutput }, exId: string): Promise<void> {
  // A refreshed ID Token is judged by OIDC Core §12.2 against the original one, not §3.1.3.7 (11).
  const refreshOf = typeof nonceOrRefresh === 'object' ? nonceOrRefresh.refreshOf : undefined;
  const nonce = typeof nonceOrRefresh === 'object' ? undefined : nonceOrRefresh;
  if (refreshOf) out.originalNonce = refreshOf.originalNonce ?? refreshOf.idTokenClaims?.nonce;
  const jwt = out.idToken!;
  let header: Record<string, unknown> = {};
  let claims: Record<string, unknown> = {};
  try {
    header = decodeProtectedHeader(jwt) as Record<string, unknown>;
    claims = decodeJwt(jwt) as Record<string, unknown>;
  } catch (err) {
    run.add(idTokenHasRequiredClaims({ claims: null, header: null, issuer: run.ctx.issuer, clientId: client.client_id, now: nowSeconds() }, exId));
    throw new StepAbort(`the id_token is not a decodable JWT: ${(err as Error).message}`);
  }
  out.idTokenClaims = claims;
  // OIDC Core §3.1.3.7 (8): a client registered for a MAC alg verifies with its secret's UTF-8
  // octets (never with a JWKS key); every other alg with the issuer's JWKS.
  const mac = /^HS(256|384|512)$/.test(client.id_token_alg ?? '');
  const signatureFindings = mac ? await verifyIdTokenMac(jwt, client, header, exId) : await verifyIdTokenSignature(run, step, jwt, client, header, exId);
  const evidence = {
    claims,
    header,
    issuer: run.ctx.issuer,
    clientId: client.client_id,
    nonce: nonce,
    now: nowSeconds(),
    accessToken: out.accessToken,
  };
  run.add(
    ...signatureFindings,
    idTokenHasRequiredClaims(evidence, exId),
    idTokenIssMatches(evidence, exId),
    idTokenAudContainsClient(evidence, exId),
    idTokenNotExpired(evidence, exId),
    idTokenIatIsRecent(evidence, exId),
    idTokenIatWithinWindow(evidence, exId),
    idTokenAzpIsClient(evidence, exId),
    ...(refreshOf
      ? [idTokenRefreshNonce({ claims, originalNonce: out.originalNonce }, exId), idTokenRefreshHasNoNonce({ claims }, exId)]
      : [idTokenNonceMatches(evidence, exId)]),
    idTokenAtHashMatches(evidence, exId),
  );
}

/** The ID Token's signature against the issuer's JWKS (refetched once on an unknown kid). */
async function verifyIdTokenSignature(run: ModuleRun, step: StepDef, jwt: string, client: PlanClient, header: Record<string, unknown>, exId: string): Promise<Finding[]> {
  if (!run.jwks) await fetchJwks(run, step.id!);
  let verified = false;
  let error: string | undefined;
  for (let attempt = 0; attempt < 2 && !verified; attempt++) {
    try {
      await compactVerify(jwt, createLocalJWKSet(run.jwks as { keys: JWK[] }));
      verified = true;
      error = undefined;
    } catch (err) {
      const code = (err as { code?: string }).code;
      error = `${code ?? 'error'}: ${(err as Error).message}`;
      // A careful relying party refetches the JWKS once on an unknown kid (the OP may have
      // rotated its keys; OIDC Core §10.1.1), at most once per module.
      if (code !== 'ERR_JWKS_NO_MATCHING_KEY' || run.jwksRefetched) break;
      run.jwksRefetched = true;
      await fetchJwks(run, step.id!);
    }
  }
  const kids = run.jwks!.keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string');
  return [idTokenSignatureVerified({ verified, error, kid: header.kid as string | undefined, alg: header.alg as string | undefined, expectedAlg: client.id_token_alg, jwksKids: kids }, exId)];
}

/** A MAC alg's ID Token against the client secret (OIDC Core §3.1.3.7 (8)), and that secret's length (§16.19). */
async function verifyIdTokenMac(jwt: string, client: PlanClient, header: Record<string, unknown>, exId: string): Promise<Finding[]> {
  let verified = false;
  let error: string | undefined;
  try {
    await compactVerify(jwt, new TextEncoder().encode(client.secret ?? ''), { algorithms: [client.id_token_alg!] });
    verified = true;
  } catch (err) {
    error = `${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}`;
  }
  return [idTokenMacVerified({ verified, error, alg: header.alg, expectedAlg: client.id_token_alg }, exId), clientSecretLongEnough({ alg: client.id_token_alg, secret: client.secret }, exId)];
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

/** `with` of `token`. */
export const tokenOptions = options({
  from: STEP_REF,
  client: CLIENT,
  secret: SECRET,
  assertion: ASSERTION,
  dpop: DPOP,
  refresh_token: enumOf('absent'),
  ...ID_TOKEN_OPTIONS,
  ...TOKEN_REQUEST,
});
