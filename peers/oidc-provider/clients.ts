// The peer's registered clients, in standard client metadata (RFC 7591 §2, OIDC Registration §2),
// as named sets the profiles pick from. Secrets and keys are test values the peer plans repeat.
import { clientKeys } from './keys.ts';

type Client = Record<string, unknown>;

const code = ['authorization_code', 'refresh_token'];

/** The OpenID Connect web clients of the default and oidc-basic plans. */
export const webClients: Client[] = [
  { client_id: 'touchstone-client', client_secret: 'touchstone-secret-1', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['https://client.example/cb'], post_logout_redirect_uris: ['https://client.example/logged-out'],
    grant_types: code, id_token_signed_response_alg: 'RS256' },
  { client_id: 'touchstone-client-2', client_secret: 'touchstone-secret-2', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['https://client2.example/cb'], post_logout_redirect_uris: ['https://client2.example/logged-out'],
    grant_types: code, id_token_signed_response_alg: 'PS256' },
  { client_id: 'touchstone-post', client_secret: 'touchstone-secret-post', token_endpoint_auth_method: 'client_secret_post',
    redirect_uris: ['https://client.example/cb'], post_logout_redirect_uris: ['https://client.example/logged-out'],
    grant_types: code, id_token_signed_response_alg: 'ES256' },
  // A public client (no secret): its refresh tokens are the ones RFC 9700 §4.14.2 requires rotated.
  { client_id: 'touchstone-public', token_endpoint_auth_method: 'none',
    redirect_uris: ['https://client.example/cb'], grant_types: code, id_token_signed_response_alg: 'RS256' },
];

/** FAPI 2.0 clients: private_key_jwt, DPoP-bound tokens, PAR (required by the fapi profile). */
export const fapiClients: Client[] = [
  { client_id: 'fapi-client', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [clientKeys['fapi-main']] },
    // JARM §3 and RFC 9701 default their response algs to RS256, which FAPI 2.0 SP §5.4.1 rules out.
    redirect_uris: ['https://client.example/cb'], id_token_signed_response_alg: 'PS256', authorization_signed_response_alg: 'PS256', introspection_signed_response_alg: 'PS256',
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    scope: 'openid profile email phone offline_access read write', dpop_bound_access_tokens: true },
  { client_id: 'fapi-client-2', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [clientKeys['fapi-second']] },
    redirect_uris: ['https://client.example/cb'], id_token_signed_response_alg: 'ES256', authorization_signed_response_alg: 'ES256', introspection_signed_response_alg: 'ES256',
    grant_types: ['authorization_code', 'refresh_token'], dpop_bound_access_tokens: true },
];

/** Back-channel service clients (client credentials grant, RFC 6749 §4.4). */
export const serviceClients: Client[] = [
  { client_id: 'touchstone-service', client_secret: 'touchstone-service-secret', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [], response_types: [], grant_types: ['client_credentials'], scope: 'api:read api:write' },
  // A public client registered for client_credentials anyway (RFC 6749 §4.4: confidential clients only).
  { client_id: 'touchstone-public-service', token_endpoint_auth_method: 'none',
    redirect_uris: [], response_types: [], grant_types: ['client_credentials'], scope: 'api:read' },
  { client_id: 'touchstone-client', client_secret: 'touchstone-secret-1', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['https://client.example/cb'] },
  // The password grant is not offered (RFC 9700 §2.4): this client may only use the code flow.
  { client_id: 'touchstone-ropc', client_secret: 'touchstone-ropc-secret', token_endpoint_auth_method: 'client_secret_post',
    redirect_uris: ['https://client.example/cb'] },
];

/** Introspection / revocation: two service clients, one with JWT introspection responses (RFC 9701). */
export const introspectionClients: Client[] = [
  { client_id: 'touchstone-service', client_secret: 'touchstone-service-secret', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [], response_types: [], grant_types: ['client_credentials'], scope: 'api:read api:write introspect',
    introspection_signed_response_alg: 'RS256' },
  { client_id: 'touchstone-service-2', client_secret: 'touchstone-service-secret-2', token_endpoint_auth_method: 'client_secret_post',
    redirect_uris: [], response_types: [], grant_types: ['client_credentials'], scope: 'api:read' },
  { client_id: 'touchstone-opaque', client_secret: 'touchstone-opaque-secret', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [], response_types: [], grant_types: ['client_credentials'], scope: 'api:read' },
  { client_id: 'touchstone-client', client_secret: 'touchstone-secret-1', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['https://client.example/cb'], grant_types: code },
  // HS256 ID Tokens MACed with the client secret (OIDC Core §10.1), for the security review.
  { client_id: 'touchstone-hmac', client_secret: 'touchstone-hmac-secret-0123456789abcdef', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['https://client.example/cb'], grant_types: code, id_token_signed_response_alg: 'HS256' },
  // A public client, for the security review's client_id-required module (RFC 6749 §4.1.3).
  { client_id: 'touchstone-public', token_endpoint_auth_method: 'none',
    redirect_uris: ['https://client.example/cb'], grant_types: code, id_token_signed_response_alg: 'RS256' },
];

/** The security review's clients: the introspection-revocation set and two request object signers (RFC 9101). */
export const securityReviewClients: Client[] = [
  ...introspectionClients,
  { client_id: 'touchstone-jar', client_secret: 'touchstone-jar-secret', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['https://client.example/cb'], grant_types: code, jwks: { keys: [clientKeys['fapi-main']] } },
  { client_id: 'touchstone-jar-required', client_secret: 'touchstone-jar-required-secret', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['https://client.example/cb'], grant_types: code, require_signed_request_object: true, jwks: { keys: [clientKeys['fapi-second']] } },
];

/** Device authorization grant clients (RFC 8628): a public one and a confidential one. */
export const deviceClients: Client[] = [
  { client_id: 'touchstone-device', token_endpoint_auth_method: 'none', redirect_uris: [], response_types: [],
    grant_types: ['urn:ietf:params:oauth:grant-type:device_code'] },
  { client_id: 'touchstone-device-2', client_secret: 'touchstone-device-secret-2', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [], response_types: [], grant_types: ['urn:ietf:params:oauth:grant-type:device_code', 'refresh_token'] },
];

/** RAR (RFC 9396): a code-flow client and a service client, both registered for payment_initiation only (§10). */
export const rarClients: Client[] = [
  { client_id: 'touchstone-rar', client_secret: 'touchstone-rar-secret-1', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['https://client.example/cb'], grant_types: ['authorization_code'], id_token_signed_response_alg: 'RS256',
    authorization_details_types: ['payment_initiation'] },
  { client_id: 'touchstone-rar-service', client_secret: 'touchstone-rar-service-secret', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: [], response_types: [], grant_types: ['client_credentials'], scope: 'api:read', authorization_details_types: ['payment_initiation'] },
];

function withoutAlg({ alg: _alg, ...key }: Record<string, string>): Record<string, string> {
  return key;
}

/** CIBA clients (poll and ping), private_key_jwt. */
export const cibaClients: Client[] = [
  // An RSA key, as in plans/peer/ciba.yaml: the FAPI-CIBA modules sign RS256 with it. Registered
  // without its alg, so that the OP's algorithm policy (not the key's alg) decides what is refused.
  { client_id: 'touchstone-ciba', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [withoutAlg(clientKeys['fapi-main'])] },
    redirect_uris: [], response_types: [], grant_types: ['urn:openid:params:grant-type:ciba', 'refresh_token'],
    backchannel_token_delivery_mode: 'poll', id_token_signed_response_alg: 'ES256' },
  { client_id: 'touchstone-ciba-2', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [clientKeys['ciba-second']] },
    redirect_uris: [], response_types: [], grant_types: ['urn:openid:params:grant-type:ciba'],
    backchannel_token_delivery_mode: 'poll', id_token_signed_response_alg: 'RS256' },
];

/**
 * The same clients under FAPI-CIBA (profile fapi-ciba): each registers its request object alg
 * (CIBA §4 backchannel_authentication_request_signing_alg), which makes oidc-provider require a
 * signed request of it, and FAPI 1.0 ID Token algs (§8.6: PS256 or ES256).
 */
export const fapiCibaClients: Client[] = cibaClients.map((c) => ({
  ...c,
  backchannel_authentication_request_signing_alg: c.client_id === 'touchstone-ciba' ? 'PS256' : 'ES256',
  id_token_signed_response_alg: 'ES256',
}));

/** Several instances on one Redis: the web and public clients, and a private_key_jwt service client
 *  for the client assertion and DPoP proof races (its key is the fapi2 plans' `second`). */
export const multiInstanceClients: Client[] = [
  webClients[0],
  webClients[3],
  { client_id: 'touchstone-service-jwt', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [clientKeys['fapi-second']] },
    redirect_uris: [], response_types: [], grant_types: ['client_credentials'], scope: 'api:read' },
];
