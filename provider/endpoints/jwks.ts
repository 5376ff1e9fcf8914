// GET /jwks: the public signing keys (RFC 7517 §5), each with kid, alg and use=sig.
import { generateKeyPairSync } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { JWK } from 'jose';
import type { ProviderContext } from '../context.ts';

export function publishedKeys(ctx: ProviderContext): JWK[] {
  // OIDC Core §10.1.1: the keys that sign now, upcoming keys and recently retired keys (keys.ts).
  const published = ctx.keys.published;
  // RFC 7517 §9.2: a published JWK Set holds public keys only (fault: private members too).
  const keys = published.map((k) => (ctx.faults.on('jwks-publishes-private-key') ? { ...k.privateJwk } : { ...k.publicJwk }));
  // RFC 7517 §4.5: distinct keys have distinct kids (fault: a second, different key reuses the
  // first kid, under another alg so that verification of issued tokens is not affected).
  if (ctx.faults.on('jwks-duplicate-kid') && keys.length > 1) {
    const other = published.find((k) => k.alg !== keys[0].alg && k.publicJwk.kty === keys[0].kty) ?? published[1];
    keys.push({ ...other.publicJwk, kid: keys[0].kid });
  }
  // RFC 7517 §4.1, §5: every JWK of the set has kty (fault: one more key, a copy without kty, under
  // its own kid so that verification of issued tokens is not affected).
  if (ctx.faults.on('jwks-key-without-kty') && keys.length > 0) {
    const { kty: _kty, ...rest } = keys[0];
    keys.push({ ...rest, kid: `${keys[0].kid}-no-kty` });
  }
  // RFC 7518 §3.3: RSA signing keys are 2048 bits or larger (fault: one more, 1024-bit, RSA key).
  if (ctx.faults.on('jwks-weak-rsa-key')) keys.push(weakRsaKey());
  return keys;
}

let weak: JWK | undefined;
/** A 1024-bit RSA public key, made once (fault jwks-weak-rsa-key). */
function weakRsaKey(): JWK {
  if (!weak) {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
    weak = { ...(publicKey.export({ format: 'jwk' }) as JWK), kid: 'weak-rsa-1024', alg: 'RS256', use: 'sig' };
  }
  return weak;
}

export async function jwksEndpoint(ctx: ProviderContext, _req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  return reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=60').send({ keys: publishedKeys(ctx) });
}
