// GET /.well-known/openid-configuration (OIDC Discovery §4) and its RFC 8414 §3 alias.
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ASSERTION_ALGS, AUTH_METHODS } from '../client-auth.ts';
import { SCOPE_CLAIMS, SCOPES_SUPPORTED, endpoint, type ProviderContext } from '../context.ts';
import { grantTypesSupported } from './token.ts';
import { FAPI_ALGS } from '../fapi.ts';
import { mtlsEnabled, mtlsMetadata, MTLS_AUTH_METHODS } from '../mtls.ts';
import { RESPONSE_MODES } from '../authorization-response.ts';
import { REQUEST_OBJECT_ALGS } from '../request-object.ts';

export function metadata(ctx: ProviderContext): Record<string, unknown> {
  const { faults } = ctx;
  const doc: Record<string, unknown> = {
    // OIDD §4.3: issuer is identical to the URL the document was fetched under.
    issuer: faults.on('discovery-wrong-issuer') ? `${ctx.issuer}/other` : ctx.issuer,
    authorization_endpoint: endpoint(ctx, '/authorize'),
    token_endpoint: endpoint(ctx, '/token'),
    userinfo_endpoint: endpoint(ctx, '/userinfo'),
    jwks_uri: endpoint(ctx, '/jwks'),
    end_session_endpoint: endpoint(ctx, '/logout'),
    response_types_supported: ['code'],
    // Multiple Response Types §2.1, Form Post Response Mode §2, JARM §4: the modes /authorize honours.
    response_modes_supported: [...RESPONSE_MODES],
    // JARM §4: the algs that sign JARM responses (fapi2: the FAPI ones, below).
    authorization_signing_alg_values_supported: ctx.keys.algs,
    grant_types_supported: grantTypesSupported(ctx),
    // RFC 8414 §2: revocation (RFC 7009) and introspection (RFC 7662) endpoints and how clients authenticate there.
    revocation_endpoint: endpoint(ctx, '/revoke'),
    revocation_endpoint_auth_methods_supported: [...AUTH_METHODS],
    revocation_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    introspection_endpoint: endpoint(ctx, '/introspect'),
    introspection_endpoint_auth_methods_supported: [...AUTH_METHODS.filter((m) => m !== 'none'), 'bearer'],
    introspection_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    // RFC 9701 §7: the algs of the signed introspection response.
    introspection_signing_alg_values_supported: ['RS256'],
    // RFC 7591 §3: where clients register (absent when registration is off).
    ...(ctx.config.registration.enabled ? { registration_endpoint: endpoint(ctx, '/register') } : {}),
    // OIDD §3: subject_types_supported is REQUIRED (fault: omitted).
    ...(ctx.faults.on('discovery-omit-subject-types') ? {} : { subject_types_supported: ['public'] }),
    // OIDC Core §10.1: HS256 (the client secret as MAC key) when a configured client uses it.
    id_token_signing_alg_values_supported: [...ctx.keys.algs, ...(ctx.config.clients.some((c) => c.id_token_signed_response_alg === 'HS256') ? ['HS256'] : [])],
    token_endpoint_auth_methods_supported: [...AUTH_METHODS],
    token_endpoint_auth_signing_alg_values_supported: ASSERTION_ALGS,
    code_challenge_methods_supported: ['S256'],
    scopes_supported: [...SCOPES_SUPPORTED],
    claims_supported: ['sub', 'iss', 'aud', 'exp', 'iat', 'auth_time', 'nonce', 'acr', 'at_hash', 'azp', ...Object.values(SCOPE_CLAIMS).flat()],
    claims_parameter_supported: true,
    acr_values_supported: [ctx.config.acr],
    display_values_supported: ['page'],
    claim_types_supported: ['normal'],
    // RFC 9101 §10.5 / OIDD §3: request objects by value (and inside pushed requests), not by
    // reference; unsigned ones only for clients registered for them (fault: not advertised).
    request_parameter_supported: !faults.on('discovery-omit-request-object'),
    request_uri_parameter_supported: false,
    ...(faults.on('discovery-omit-request-object') ? {} : { request_object_signing_alg_values_supported: ctx.config.profile === 'fapi2' ? FAPI_ALGS : [...REQUEST_OBJECT_ALGS, 'none'] }),
    prompt_values_supported: ['none', 'login', 'consent', 'select_account'],
    userinfo_signing_alg_values_supported: [],
    authorization_response_iss_parameter_supported: true,
    // RFC 8628 §4: the device authorization endpoint.
    device_authorization_endpoint: endpoint(ctx, '/device_authorization'),
    // CIBA Core §4: poll and ping modes (a client registers one, §10); no user_code.
    backchannel_authentication_endpoint: endpoint(ctx, '/bc-authorize'),
    // CIBA §4; FAPI-CIBA ID1 §5.2.2: never push (fault fapi-ciba-discovery-lists-push lists it under ciba_profile fapi).
    backchannel_token_delivery_modes_supported: [...(faults.on('discovery-omit-ciba-ping') ? ['poll'] : ['poll', 'ping']), ...(ctx.config.ciba_profile === 'fapi' && faults.on('fapi-ciba-discovery-lists-push') ? ['push'] : [])],
    backchannel_user_code_parameter_supported: false,
    // FAPI-CIBA (FAPI 1.0 Advanced §8.6): PS256 and ES256 only.
    backchannel_authentication_request_signing_alg_values_supported: ctx.config.ciba_profile === 'fapi' ? ['PS256', 'ES256'] : ['PS256', 'ES256', 'RS256', 'EdDSA'],
    // RFC 9396 §10: the authorization_details types the OP supports (OPTIONAL metadata).
    ...(ctx.config.authorization_details_types.length ? { authorization_details_types_supported: [...ctx.config.authorization_details_types] } : {}),
    // RFC 9126 §5: the PAR endpoint, and whether every client must use it.
    pushed_authorization_request_endpoint: endpoint(ctx, '/par'),
    require_pushed_authorization_requests: ctx.config.require_pushed_authorization_requests || ctx.config.profile === 'fapi2',
    // RFC 9449 §5.1: the JWS algs accepted for DPoP proofs.
    dpop_signing_alg_values_supported: [...ctx.config.dpop.algs],
    // RFC 8705 §3.3, §5: certificate-bound tokens and the mTLS endpoint aliases (with tls.mtls).
    ...mtlsMetadata(ctx),
  };
  // RFC 8705 §2.1.1, §2.2.1: the mutual-TLS client authentication methods (with tls.mtls).
  if (mtlsEnabled(ctx)) {
    for (const k of ['token_endpoint_auth_methods_supported', 'revocation_endpoint_auth_methods_supported', 'introspection_endpoint_auth_methods_supported']) {
      doc[k] = [...(doc[k] as string[]), ...MTLS_AUTH_METHODS];
    }
  }
  // FAPI 2.0 SP §5.4.1: a FAPI provider offers only PS256, ES256 and EdDSA.
  if (ctx.config.profile === 'fapi2' && !faults.on('fapi-discovery-lists-rs256')) {
    doc.id_token_signing_alg_values_supported = ctx.keys.algs.filter((a) => FAPI_ALGS.includes(a));
    doc.token_endpoint_auth_signing_alg_values_supported = FAPI_ALGS;
    doc.authorization_signing_alg_values_supported = ctx.keys.algs.filter((a) => FAPI_ALGS.includes(a));
    // RFC 9701 §7 under FAPI 2.0 MS §5.5.1 / SP §5.4.1: introspection JWTs are signed with PS256.
    doc.introspection_signing_alg_values_supported = ['PS256'];
  }
  // RFC 9207 §3: advertise that authorization responses carry iss.
  if (faults.on('discovery-omit-iss-supported')) delete doc.authorization_response_iss_parameter_supported;
  // RPIL §2.1: the end_session_endpoint is discoverable.
  if (faults.on('discovery-omit-end-session')) delete doc.end_session_endpoint;
  // RFC 8628 §4: the device authorization endpoint is discoverable.
  if (faults.on('discovery-omit-device-endpoint')) delete doc.device_authorization_endpoint;
  // CIBA §4: the backchannel endpoint and delivery modes are discoverable.
  if (faults.on('discovery-omit-ciba')) {
    delete doc.backchannel_authentication_endpoint;
    delete doc.backchannel_token_delivery_modes_supported;
  }
  return doc;
}

export async function discoveryEndpoint(ctx: ProviderContext, _req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  return reply.header('content-type', 'application/json; charset=utf-8').header('cache-control', 'public, max-age=60').send(metadata(ctx));
}

// RFC 8414 §3: the same metadata at /.well-known/oauth-authorization-server.
export async function oauthMetadataEndpoint(ctx: ProviderContext, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (ctx.faults.on('omit-oauth-metadata-alias')) return reply.code(404).send({ error: 'not_found', error_description: 'no such endpoint' });
  return discoveryEndpoint(ctx, req, reply);
}
