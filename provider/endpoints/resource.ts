// The protected resource: GET|POST /api/resource and /api/other (two resources, two audiences).
// It validates RFC 9068 JWT access tokens the way a careful API does: keys by kid from the issuer's
// JWKS through a cache that refreshes on schedule and on an unknown kid (bounded rate), an alg
// allow-list (no none, no MAC), the signature, typ at+jwt, iss, aud (its own identifier), exp and
// nbf with a stated leeway, and for DPoP-bound tokens a proof with ath (RFC 9449 §7). Every refusal
// is 401 with a WWW-Authenticate challenge (RFC 6750 §3, RFC 9449 §7.1) carrying resource_metadata
// (RFC 9728 §5.1); never a 2xx or a 5xx.
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { compactVerify, exportSPKI, importJWK, type CryptoKey, type JWK } from 'jose';
import type { ProviderContext } from '../context.ts';
import { authorizationToken, checkDpopPresentation, dpopAlgs } from '../dpop.ts';
import { checkCertificatePresentation } from '../mtls.ts';
import { InvalidToken, OAuthError } from '../errors.ts';
import { asOAuthError, pathOf } from '../http.ts';
import { annotate } from '../log.ts';

/** The resource identifier (RFC 8707 / RFC 9728) of a path. */
export function resourceId(ctx: ProviderContext, path: string): string {
  return `${ctx.issuer}${path}`;
}

export function resourceMetadataUrl(ctx: ProviderContext, path: string): string {
  return `${ctx.issuer}/.well-known/oauth-protected-resource${path}`;
}

const ACCESS_TOKEN_ALGS = ['RS256', 'PS256', 'ES256'];

/**
 * The resource's JWKS cache: refreshed every `resource.jwks_refresh` seconds, and on an unknown kid
 * at most once per second (a careful resource server, RFC 9068 §4 / OIDC Core §10.1.1).
 * The keys are read from what the provider publishes at jwks_uri (the same process).
 */
class ResourceKeyCache {
  #keys: JWK[] | undefined;
  #fetchedAt = 0;
  #lastUnknownRefetch = 0;
  readonly #ctx: ProviderContext;
  constructor(ctx: ProviderContext) {
    this.#ctx = ctx;
  }

  #fetch(): void {
    this.#keys = this.#ctx.keys.published.map((k) => k.publicJwk);
    this.#fetchedAt = Date.now();
  }

  find(kid: unknown): JWK | undefined {
    const stale = this.#ctx.faults.on('resource-stale-jwks');
    const now = Date.now();
    if (!this.#keys || (!stale && now - this.#fetchedAt >= this.#ctx.config.resource.jwks_refresh * 1000)) this.#fetch();
    let key = this.#keys!.find((k) => k.kid === kid);
    if (!key && !stale && typeof kid === 'string' && now - this.#lastUnknownRefetch >= 1000) {
      this.#lastUnknownRefetch = now;
      this.#fetch();
      key = this.#keys!.find((k) => k.kid === kid);
    }
    return key;
  }
}

const caches = new WeakMap<ProviderContext, ResourceKeyCache>();
function cacheOf(ctx: ProviderContext): ResourceKeyCache {
  let c = caches.get(ctx);
  if (!c) {
    c = new ResourceKeyCache(ctx);
    caches.set(ctx, c);
  }
  return c;
}

/** No Authorization header at all (RFC 6750 §3.1: the challenge carries no error code). */
class NoToken extends OAuthError {
  constructor() { super('', 'no access token', 401); }
}

function decodePart(part: string): Record<string, unknown> {
  const v = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('not an object');
  return v as Record<string, unknown>;
}

/** RFC 9068 §4: validate a JWT access token for the resource `id`. */
export async function validateAccessToken(ctx: ProviderContext, token: string, id: string): Promise<Record<string, unknown>> {
  const { faults } = ctx;
  const parts = token.split('.');
  if (parts.length !== 3) throw new InvalidToken('the access token is not a JWT');
  let header: Record<string, unknown>;
  let claims: Record<string, unknown>;
  try {
    header = decodePart(parts[0]);
    claims = decodePart(parts[1]);
  } catch {
    throw new InvalidToken('the access token is not a JWT');
  }
  const alg = typeof header.alg === 'string' ? header.alg : '';
  if (alg === 'none') {
    // RFC 9068 §4, RFC 8725 §3.1: unsigned tokens are refused (fault: accepted).
    if (!faults.on('resource-accept-alg-none')) throw new InvalidToken('alg none is not accepted');
  } else if (/^HS/i.test(alg)) {
    // RFC 8725 §3.1: the issuer's keys are asymmetric; a MAC is refused (fault: HMAC with the public key PEM).
    if (!faults.on('resource-accept-hs256-public-key')) throw new InvalidToken(`alg ${alg} is not accepted`);
    const jwk = cacheOf(ctx).find(header.kid) ?? ctx.keys.published.find((k) => k.publicJwk.kty === 'RSA')?.publicJwk;
    if (!jwk) throw new InvalidToken('no key');
    const pem = await exportSPKI((await importJWK(jwk, jwk.alg ?? 'RS256')) as CryptoKey);
    const mac = createHmac('sha256', pem).update(`${parts[0]}.${parts[1]}`).digest();
    const sig = Buffer.from(parts[2], 'base64url');
    if (sig.length !== mac.length || !timingSafeEqual(sig, mac)) throw new InvalidToken('the access token signature is invalid');
  } else {
    if (!ACCESS_TOKEN_ALGS.includes(alg)) throw new InvalidToken(`alg ${JSON.stringify(alg)} is not accepted`);
    let jwk = cacheOf(ctx).find(header.kid);
    if (!jwk) {
      // RFC 9068 §4: keys come from the issuer's jwks_uri only (fault: the token's own jwk header).
      if (faults.on('resource-trust-embedded-jwk') && header.jwk && typeof header.jwk === 'object') jwk = header.jwk as JWK;
      else throw new InvalidToken(`no key with kid ${JSON.stringify(header.kid ?? null)} in the issuer's JWKS`);
    }
    if (jwk.alg !== undefined && jwk.alg !== alg && !faults.on('resource-trust-embedded-jwk')) throw new InvalidToken(`the key ${jwk.kid} is not used with ${alg}`);
    // RFC 9068 §4: the signature is valid (fault: never checked).
    if (!faults.on('resource-skip-signature')) {
      try {
        await compactVerify(token, await importJWK(jwk, alg), { algorithms: [alg] });
      } catch {
        throw new InvalidToken('the access token signature is invalid');
      }
    }
  }
  // RFC 9068 §4: typ is at+jwt (application/at+jwt) when the resource requires it.
  const typ = typeof header.typ === 'string' ? header.typ.toLowerCase().replace(/^application\//, '') : undefined;
  if (ctx.config.resource.require_typ && typ !== 'at+jwt' && !faults.on('resource-ignore-typ')) throw new InvalidToken(`typ ${JSON.stringify(header.typ ?? null)} is not at+jwt`);
  // RFC 9068 §4: iss is exactly the issuer.
  if (claims.iss !== ctx.issuer && !faults.on('resource-ignore-iss')) throw new InvalidToken('the access token was issued by another issuer');
  // RFC 9068 §4: aud contains this resource's identifier.
  const aud = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (!aud.includes(id) && !faults.on('resource-ignore-aud')) throw new InvalidToken('the access token is not for this resource (aud)');
  const now = Math.floor(Date.now() / 1000);
  const leeway = ctx.config.resource.leeway;
  // RFC 9068 §4, RFC 7519 §4.1.4: exp is required and in the future (with the stated leeway).
  if (typeof claims.exp !== 'number') throw new InvalidToken('the access token has no exp');
  if (now > claims.exp + leeway && !faults.on('resource-ignore-exp')) throw new InvalidToken('the access token is expired');
  // RFC 7519 §4.1.5: not before nbf (with the leeway).
  if (claims.nbf !== undefined) {
    if (typeof claims.nbf !== 'number') throw new InvalidToken('nbf is not a number');
    if (now + leeway < claims.nbf && !faults.on('resource-ignore-nbf')) throw new InvalidToken('the access token is not yet valid (nbf)');
  }
  return claims;
}

export async function resourceEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const path = pathOf(req);
  const id = resourceId(ctx, path);
  let scheme: 'Bearer' | 'DPoP' | undefined;
  let bound = false;
  try {
    const presented = authorizationToken(req);
    if (!presented) {
      if (req.headers.authorization !== undefined) throw new InvalidToken('the Authorization header must use the Bearer or DPoP scheme');
      // RFC 6750 §3.1 (fault: anonymous requests are served).
      if (!ctx.faults.on('resource-allow-anonymous')) throw new NoToken();
      return reply.code(200).header('cache-control', 'no-store').send({ resource: id, method: req.method, anonymous: true });
    }
    scheme = presented.scheme;
    // RFC 6750 §3.1: a malformed token is invalid_token (fault: served as if anonymous).
    if (presented.token.split('.').length !== 3 && ctx.faults.on('resource-malformed-as-anonymous')) {
      return reply.code(200).header('cache-control', 'no-store').send({ resource: id, method: req.method, anonymous: true });
    }
    const claims = await validateAccessToken(ctx, presented.token, id);
    const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
    bound = typeof jkt === 'string';
    await checkDpopPresentation(ctx, req, { scheme: presented.scheme, token: presented.token, jkt: bound ? (jkt as string) : undefined, htu: id });
    // RFC 8705 §3: a certificate-bound token (cnf.x5t#S256) needs the same TLS client certificate.
    const x5t = (claims.cnf as Record<string, unknown> | undefined)?.['x5t#S256'];
    checkCertificatePresentation(ctx, req, typeof x5t === 'string' ? x5t : undefined);
    annotate(req, { client_id: typeof claims.client_id === 'string' ? claims.client_id : undefined });
    return reply.code(200).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send({
      resource: id, method: req.method, sub: claims.sub, client_id: claims.client_id, scope: claims.scope, token_type: bound ? 'DPoP' : 'Bearer',
    });
  } catch (e) {
    return sendResourceError(ctx, req, reply, e, path, scheme === 'DPoP' || bound);
  }
}

/**
 * RFC 6750 §3 and RFC 9449 §7.1: 401 with WWW-Authenticate; the DPoP scheme (with algs) when the
 * request used DPoP, the token is DPoP-bound, or the error is a DPoP one; resource_metadata (RFC 9728 §5.1).
 */
function sendResourceError(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply, e: unknown, path: string, dpop: boolean): FastifyReply {
  let err = asOAuthError(e);
  // Never a 5xx or a 400 for a token problem: an unexpected failure is an invalid token.
  if (err.status !== 401) err = Object.assign(new InvalidToken(err.status >= 500 ? 'the access token could not be validated' : err.message), { headers: err.headers });
  const meta = `resource_metadata="${resourceMetadataUrl(ctx, path)}"`;
  const desc = (s: string) => s.replace(/["\\]/g, '');
  const isDpopError = err.error === 'invalid_dpop_proof' || err.error === 'use_dpop_nonce';
  const useDpop = (dpop || isDpopError) && !ctx.faults.on('dpop-bearer-challenge');
  const algs = `algs="${dpopAlgs(ctx).join(' ')}"`;
  let challenge: string;
  if (err instanceof NoToken) challenge = `Bearer realm="${ctx.issuer}", ${meta}, DPoP ${algs}`;
  else if (useDpop) challenge = `DPoP error="${err.error}", error_description="${desc(err.message)}", ${algs}, ${meta}`;
  else challenge = `Bearer realm="${ctx.issuer}", error="${err.error}", error_description="${desc(err.message)}", ${meta}`;
  reply.header('www-authenticate', challenge);
  for (const [k, v] of Object.entries(err.headers ?? {})) reply.header(k, v);
  if (err instanceof NoToken) return reply.code(401).header('cache-control', 'no-store').send();
  annotate(req, { error: err.error });
  return reply.code(401).header('content-type', 'application/json; charset=utf-8').header('cache-control', 'no-store').send({ error: err.error, error_description: desc(err.message) });
}
