// Steps against a protected resource (the plan's `resource` target, issue 7):
// - `resource-token`: a valid access token for a target, the way the plan declares (client
//   credentials with the RFC 8707 resource), optionally DPoP-bound (`with.dpop`);
// - `resource`: call a target with that token, or with no token, or with a token the harness
//   forges itself (`with.forge`), optionally with a DPoP proof (`with.dpop`), and judge the answer:
//   success = 2xx; a refusal (expect.status / expect.error) = 401 with a Bearer or DPoP challenge
//   (RFC 6750 §3, RFC 9449 §7.1), never a 2xx or a 5xx;
// - `resource-metadata`: RFC 9728 protected resource metadata of a target.
import { createHmac, randomUUID } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, exportJWK, exportSPKI, generateKeyPair, importJWK, SignJWT, type CryptoKey, type JWK } from 'jose';
import { bearerStatusMatchesError, dpopChallengeScheme, parseWwwAuthenticate, protectedResourceMetadataValid, resourceNonceChallenge, resourceRefusesToken } from '../../checks/index.ts';
import { CITATIONS, type CitationId } from '../../core/citations.ts';
import type { RecordedResponse } from '../../core/exchange.ts';
import type { StepDef } from '../../core/types.ts';
import { dpopOptions, sendWithDpop } from '../dpop.ts';
import { JwksCache } from '../jwks-cache.ts';
import { NotApplicable, StepAbort, StepSkip, type ModuleRun } from '../module-run.ts';
import { forgingKey, resolveResource, type ResolvedResource, type ResolvedTarget } from '../resource-target.ts';
import { clientCredentials } from './client-credentials.ts';
import { BOOLEAN, BOUND, CERT, checksOf, DPOP, enumOf, lettercase, options, SHAPE_REQUEST, STEP_REF, STRING, TOKEN_REQUEST } from './options.ts';

/** The forgeries `with.forge` names (issue 7): one reason each. */
export const FORGERIES = [
  'malformed', 'alg-none', 'hs256-public-key', 'foreign-key', 'unknown-kid', 'tampered',
  'expired', 'not-yet-valid', 'wrong-aud', 'wrong-iss', 'typ-jwt',
] as const;
export type Forgery = (typeof FORGERIES)[number];

function resourceOf(run: ModuleRun): ResolvedResource {
  return resolveResource(run.ctx.plan, run.ctx.issuer);
}

function targetOf(run: ModuleRun, step: StepDef): ResolvedTarget {
  const name = (step.with?.target as string | undefined) ?? 'main';
  const t = resourceOf(run).targets[name];
  if (!t) throw new NotApplicable(`needs plan resource.targets.${name}`);
  return t;
}

/** A valid access token for a target, from the plan's client and grant (RFC 8707 resource unless disabled). */
export async function resourceToken(run: ModuleRun, step: StepDef): Promise<void> {
  const r = resourceOf(run);
  const t = targetOf(run, step);
  if (!run.ctx.plan.clients[r.token.client]) {
    throw new NotApplicable(`needs plan clients.${r.token.client} (resource.token.client, to get access tokens for the resource with)`);
  }
  const w = step.with ?? {};
  if (dpopOptions(step) && r.dpop?.bound_tokens === false) throw new NotApplicable('the plan says the API does not take DPoP-bound tokens (resource.dpop.bound_tokens)');
  if (dpopOptions(step)?.nonce === 'omit' && !r.dpop?.token_nonce) throw new NotApplicable('the plan does not say the token endpoint requires DPoP nonces (resource.dpop.token_nonce)');
  const params: Record<string, unknown> = { ...((w.params as Record<string, unknown> | undefined) ?? {}) };
  if (r.token.resource_indicator !== false) params.resource ??= t.audience;
  await clientCredentials(run, { ...step, with: { ...w, client: r.token.client, scope: r.token.scope, params } });
}

/** The issuer's JWKS through the harness's cache (refetch on unknown kid, bounded). */
const caches = new WeakMap<ModuleRun, JwksCache>();
function jwksCache(run: ModuleRun, stepId: string): JwksCache {
  let c = caches.get(run);
  if (!c) {
    // The issuer's keys come from discovery (OIDC Discovery §3 jwks_uri); no path is guessed.
    const url = run.endpoint('jwks_uri');
    c = new JwksCache(async () => {
      const ex = await run.http.send(url, { step: stepId, label: 'issuer jwks (for forging)' });
      const res = run.response(ex);
      return res.json as { keys: JWK[] };
    }, { maxAgeMs: 60_000, minRefetchMs: 1000 });
    caches.set(run, c);
  }
  return c;
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** Build the bad token `kind` from a valid one (its header and claims) and the plan's declarations. */
async function forge(run: ModuleRun, step: StepDef, kind: Forgery, valid: string | undefined): Promise<string> {
  if (kind === 'malformed') return 'touchstone.not-a-jwt';
  if (!valid) throw new StepAbort(`with.forge: ${kind} needs a valid token from an earlier resource-token step`);
  const header = decodeProtectedHeader(valid) as Record<string, unknown>;
  const claims = decodeJwt(valid) as Record<string, unknown>;
  const [h0, p0, s0] = valid.split('.');
  const alg = typeof header.alg === 'string' ? header.alg : 'RS256';
  const r = resourceOf(run);
  switch (kind) {
    case 'alg-none':
      return `${b64({ ...header, alg: 'none' })}.${p0}.`;
    case 'hs256-public-key': {
      // RFC 8725 §3.1 alg confusion: HMAC with the issuer's public key (PEM) as the secret.
      const jwk = await jwksCache(run, step.id!).get(header.kid as string | undefined);
      if (!jwk || jwk.kty !== 'RSA') throw new StepSkip('the token is not signed by an RSA key in the issuer JWKS (alg confusion needs one)');
      const pem = await exportSPKI((await importJWK({ ...jwk, alg: 'RS256' }, 'RS256')) as CryptoKey);
      const h = b64({ ...header, alg: 'HS256' });
      return `${h}.${p0}.${createHmac('sha256', pem).update(`${h}.${p0}`).digest('base64url')}`;
    }
    case 'foreign-key': {
      // The issuer's kid, but a key the issuer never published.
      const { privateKey } = await generateKeyPair(alg);
      return new SignJWT(claims).setProtectedHeader(header as { alg: string }).sign(privateKey);
    }
    case 'unknown-kid': {
      // A kid not in the JWKS, with the signing key embedded as jwk (never to be trusted, RFC 8725 §3.10).
      const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
      const jwk = await exportJWK(publicKey);
      return new SignJWT(claims).setProtectedHeader({ ...header, alg: 'ES256', kid: `touchstone-unknown-${randomUUID()}`, jwk }).sign(privateKey);
    }
    case 'tampered': {
      const p = b64({ ...claims, scope: `${claims.scope ?? ''} admin`.trim(), sub: `${claims.sub ?? ''}-admin` });
      return `${h0}.${p}.${s0}`;
    }
    default: {
      const jwk = forgingKey(run.ctx.plan);
      if (!jwk) throw new NotApplicable(`with.forge: ${kind} needs plan resource.signing_key (a key the API trusts)`);
      for (const m of ['d', 'p', 'q', 'dp', 'dq', 'qi']) if (typeof jwk[m] === 'string') run.ctx.secrets.push(jwk[m] as string);
      const kalg = (jwk.alg as string | undefined) ?? 'RS256';
      const key = (await importJWK(jwk as JWK, kalg)) as CryptoKey;
      const base = { ...claims };
      const head: Record<string, unknown> = { alg: kalg, typ: 'at+jwt', ...(jwk.kid ? { kid: jwk.kid } : {}) };
      const leeway = r.leeway;
      if (kind === 'expired') Object.assign(base, { iat: now() - leeway - 400, exp: now() - leeway - 60 });
      if (kind === 'not-yet-valid') Object.assign(base, { nbf: now() + leeway + 60, exp: now() + leeway + 400 });
      if (kind === 'wrong-aud') base.aud = 'https://touchstone.invalid/another-api';
      if (kind === 'wrong-iss') base.iss = `${run.ctx.issuer}/touchstone-other-issuer`;
      if (kind === 'typ-jwt') {
        if (r.requires_typ === false) throw new NotApplicable('the plan says the API does not require typ at+jwt (resource.requires_typ)');
        head.typ = 'JWT';
      }
      return new SignJWT(base).setProtectedHeader(head as { alg: string }).sign(key);
    }
  }
}

function isRefusal(step: StepDef): boolean {
  return !!(step.expect?.error || step.expect?.status);
}

/** Call a resource target and judge the answer. */
export async function resource(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  const r = resourceOf(run);
  const t = targetOf(run, step);
  const method = ((w.method as string | undefined) ?? t.methods[0]).toUpperCase();
  const o = dpopOptions(step);
  if (o && r.dpop?.bound_tokens === false) throw new NotApplicable('the plan says the API does not take DPoP-bound tokens (resource.dpop.bound_tokens)');
  if (o?.nonce === 'omit' && !r.dpop?.nonce) throw new NotApplicable('the plan does not say the API requires DPoP nonces (resource.dpop.nonce)');
  const forgeKind = w.forge as Forgery | undefined;
  if (forgeKind !== undefined && !(FORGERIES as readonly string[]).includes(forgeKind)) throw new StepAbort(`with.forge: unknown forgery "${forgeKind}" (known: ${FORGERIES.join(', ')})`);
  let token: string | undefined;
  // RFC 8705 §3: the certificate of the token's client (a certificate-bound token needs it).
  let cert = run.certFor(step, r.token.client);
  if (w.no_token !== true) {
    const from = w.token_from as string | undefined;
    const out = run.output('token', from);
    cert = run.certFor(step, out.client);
    const valid = out.accessToken;
    token = forgeKind ? await forge(run, step, forgeKind, valid) : valid;
    if (!token) throw new StepAbort('no access token for the resource call');
  }
  const scheme = lettercase((w.scheme as string | undefined) ?? (o ? 'DPoP' : 'Bearer'), w.scheme_case);
  const headers: Record<string, string> = { accept: 'application/json', ...(token !== undefined ? { authorization: `${scheme} ${token}` } : {}) };
  const label = `${method} ${t.name} resource${forgeKind ? ` (forged: ${forgeKind})` : token === undefined ? ' (no token)' : ''}`;
  const call = () => sendWithDpop(run, step, { method, url: t.url, accessToken: token }, (dpop) => run.http.send(t.url, { step: step.id!, label, method, headers: { ...headers, ...dpop }, cert }));
  let ex = await call();
  let res = run.response(ex);
  // `with.poll`: a success may take up to the API's declared JWKS refresh interval (key rotation),
  // polled once a second and never longer than declared.
  if (!isRefusal(step) && w.poll === true && res.status >= 300) {
    const deadline = Date.now() + ((r.jwks_refresh ?? 60) + 1) * 1000;
    while (res.status >= 300 && Date.now() < deadline) {
      await run.sleep(1000);
      ex = await call();
      res = run.response(ex);
    }
  }
  if (isRefusal(step)) return judgeRefusal(run, step, res, ex.id, token === undefined);
  const ok = res.status >= 200 && res.status < 300;
  const why = ok ? `the API served the valid token: HTTP ${res.status}` : `the API refused a valid token: HTTP ${res.status} ${res.headers['www-authenticate'] ?? ''} ${res.body.slice(0, 200)}`;
  run.succeeded(step, ok, why, ex.id);
  if (!ok) throw new StepAbort(why);
}

function judgeRefusal(run: ModuleRun, step: StepDef, res: RecordedResponse, exId: string, noToken: boolean): void {
  const e = step.expect!;
  const status = res.status;
  const www = res.headers['www-authenticate'] ?? '';
  // Each challenge carries its own error (RFC 9449 §7.2 allows a Bearer and a DPoP challenge in one header).
  const errors = parseWwwAuthenticate(www).challenges.filter((c) => /^(bearer|dpop)$/i.test(c.scheme)).map((c) => c.params.error).filter((x): x is string => !!x);
  const errorParam = errors.find((x) => e.error?.includes(x)) ?? errors[0];
  const wantStatus = e.status ?? [401];
  let ok = wantStatus.includes(status);
  let message = ok ? `refused: HTTP ${status}` : status < 300 ? `the API served the request: HTTP ${status}` : `expected HTTP ${wantStatus.join(' or ')}, got ${status}`;
  if (ok && e.error && !e.error.includes(errorParam ?? '')) {
    ok = false;
    message = `expected error ${e.error.join(' or ')} in WWW-Authenticate, found ${errorParam ?? 'none'}`;
  } else if (ok && errorParam) message += ` error=${errorParam}`;
  run.expectation(step, `${step.id}-refused`, { ok, message, expected: { status: wantStatus, ...(e.error ? { error: e.error } : {}) }, actual: { status, 'www-authenticate': www || null } }, exId);
  // A refusal the step's rule leaves to the server (RFC 9449 §11.1 jti replay, a MAY): when the API
  // serves the request, that rule's finding above says so (a warning when the plan declares it);
  // RFC 6750 §3 (MUST) judges only how a refusal is made.
  if (status >= 200 && status < 300 && e.cite && CITATIONS[e.cite as CitationId]?.level === 'MAY') return;
  const checks = (step.with?.checks as string[] | undefined) ?? [];
  run.add(resourceRefusesToken({ status, headers: res.headers, noToken, errors: e.error }, exId), bearerStatusMatchesError({ status, headers: res.headers }, exId));
  if (checks.includes('dpop-challenge')) run.add(dpopChallengeScheme({ status, headers: res.headers }, exId));
  if (dpopOptions(step)?.nonce === 'omit') run.add(resourceNonceChallenge({ status, headers: res.headers }, exId));
}

/** RFC 9728 §3: GET the target's protected resource metadata and check it names the target. */
export async function resourceMetadata(run: ModuleRun, step: StepDef): Promise<void> {
  const r = resourceOf(run);
  // An API that declares no RFC 9728 metadata: nothing to check (the control call still runs).
  if (r.metadata === false) return;
  const t = targetOf(run, step);
  const id = new URL(t.audience);
  // RFC 9728 §3.1: the well-known segment goes between the host and the resource's path.
  const url = `${id.origin}/.well-known/oauth-protected-resource${id.pathname === '/' ? '' : id.pathname}`;
  const ex = await run.http.send(url, { step: step.id!, label: `protected resource metadata (${t.name})` });
  const res = run.response(ex);
  const f = protectedResourceMetadataValid({ status: res.status, json: res.json ?? res.body, resource: t.audience }, ex.id);
  run.add(f);
  run.succeeded(step, f.ok, f.message, ex.id);
}

/** `with` of `resource-token` (client and scope come from plan resource.token). */
export const resourceTokenOptions = options({ target: STRING, dpop: DPOP, ...TOKEN_REQUEST });

/** `with` of `resource`. */
export const resourceOptions = options({
  target: STRING,
  method: STRING,
  dpop: DPOP,
  bound: BOUND,
  forge: { enum: [...FORGERIES] },
  no_token: BOOLEAN,
  token_from: STEP_REF,
  scheme: STRING,
  scheme_case: enumOf('lower'),
  poll: BOOLEAN,
  checks: checksOf('dpop-challenge'),
  cert: CERT,
});

/** `with` of `resource-metadata`. */
export const resourceMetadataOptions = options({ target: STRING });
