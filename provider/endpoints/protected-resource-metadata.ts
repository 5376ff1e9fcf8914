// RFC 9728 §3: protected resource metadata at /.well-known/oauth-protected-resource/api/<name>
// (the well-known segment inserted before the resource's path, §3.1).
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ProviderContext } from '../context.ts';
import { dpopAlgs, RESOURCE_PATHS } from '../dpop.ts';
import { pathOf } from '../http.ts';
import { annotate } from '../log.ts';
import { resourceId } from './resource.ts';

export const PRM_PREFIX = '/.well-known/oauth-protected-resource';

export function protectedResourceMetadata(ctx: ProviderContext, path: string): Record<string, unknown> {
  // RFC 9728 §3.3: resource is identical to the identifier the metadata was fetched for (fault: another one).
  const id = resourceId(ctx, ctx.faults.on('resource-metadata-wrong-resource') ? `${path}-elsewhere` : path);
  return {
    resource: id,
    authorization_servers: [ctx.issuer],
    jwks_uri: `${ctx.issuer}/jwks`,
    bearer_methods_supported: ['header'],
    resource_signing_alg_values_supported: ['RS256', 'PS256', 'ES256'],
    dpop_signing_alg_values_supported: dpopAlgs(ctx),
    dpop_bound_access_tokens_required: false,
    resource_name: path === '/api/other' ? 'Touchstone other resource' : 'Touchstone resource',
  };
}

export async function protectedResourceMetadataEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const path = pathOf(req).slice(PRM_PREFIX.length);
  if (!(RESOURCE_PATHS as readonly string[]).includes(path)) {
    annotate(req, { error: 'not_found' });
    return reply.code(404).send({ error: 'not_found', error_description: `no protected resource ${path}` });
  }
  return reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=60').send(protectedResourceMetadata(ctx, path));
}
