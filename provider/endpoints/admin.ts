// POST /admin/rotate-keys: rotate the signing keys now (keys.ts has the schedule). Only when the
// config sets admin_token; then the request carries `Authorization: Bearer <admin_token>`.
// Optional form or JSON body: publish_ahead (seconds, overrides key_rotation.publish_ahead once).
// Answer: { keys: [{ kid, alg, published_at, active_at }] } with epoch seconds.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProviderContext } from '../context.ts';
import { InvalidRequest, InvalidToken } from '../errors.ts';
import { safeEqual, sendJsonError } from '../http.ts';
import type { ManagedKey } from '../keys.ts';

export async function rotateKeysEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const token = ctx.config.admin_token;
  if (token === undefined) return reply.code(404).send({ error: 'not_found', error_description: `no endpoint ${req.method} /admin/rotate-keys` });
  try {
    const m = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    if (!m || !safeEqual(m[1], token)) {
      reply.header('www-authenticate', 'Bearer realm="admin"');
      throw new InvalidToken('a valid admin token is required');
    }
    const added = await rotateKeys(ctx, publishAhead(req.body));
    return reply.code(200).header('cache-control', 'no-store').send({ keys: added.map(describe) });
  } catch (e) {
    return sendJsonError(req, reply, e);
  }
}

/** Rotate with the configured schedule (the timer and the admin command both come here). */
export async function rotateKeys(ctx: ProviderContext, publishAheadOverride?: number): Promise<ManagedKey[]> {
  const r = ctx.config.key_rotation;
  const added = await ctx.keys.rotate({ publishAhead: publishAheadOverride ?? r.publish_ahead, retireAfter: r.retire_after }, ctx.faults.on('sign-with-unpublished-key'));
  ctx.log(JSON.stringify({ msg: 'keys rotated', keys: added.map(describe) }));
  return added;
}

function publishAhead(body: unknown): number | undefined {
  const raw = body && typeof body === 'object' ? (body as Record<string, unknown>).publish_ahead : undefined;
  if (raw === undefined || raw === '') return undefined;
  const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\d{1,7}$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isInteger(n) || n < 0) throw new InvalidRequest('publish_ahead must be a non-negative integer');
  return n;
}

function describe(k: ManagedKey): Record<string, unknown> {
  return { kid: k.kid, alg: k.alg, published_at: Math.floor(k.publishedAt / 1000), active_at: Math.floor(k.activeAt / 1000) };
}
