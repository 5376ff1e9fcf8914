// One profile per peer plan: which clients, features, scopes and TTLs (seconds) the peer runs with.
// Short TTLs (code 2 s, ...) keep the expiry modules fast, as in the reference plans.
import { CIBA_ADMIN_TOKEN, ciba } from './ciba.ts';
import * as clients from './clients.ts';
import * as f from './features.ts';
import { rar } from './rar.ts';
import { resourceIndicators } from './api.ts';
import { fapiMtlsClients, mtlsFeature } from './mtls.ts';

export type Profile = {
  /** The clients, or a function of the self-signed client certificate (main.ts --self-signed-cert). */
  clients: Record<string, unknown>[] | ((selfSignedCertPem: string | undefined) => Record<string, unknown>[]);
  features: Record<string, Record<string, unknown>>;
  /** Scopes besides openid, offline_access and the claim scopes. */
  scopes?: string[];
  ttl?: Record<string, number | ((ctx: any) => number)>;
  /** Only private_key_jwt (FAPI 2.0 §5.3.2.1), with the FAPI algorithms. */
  fapi?: boolean;
  /** ID Token algs besides oidc-provider's default asymmetric ones (HS256: OIDC Core §10.1). */
  idTokenAlgs?: string[];
  /** Mutual TLS (RFC 8705): tls_client_auth and self_signed_tls_client_auth besides (main.ts --client-ca). */
  mtls?: boolean;
};

const code = { AuthorizationCode: 2 };
// oidc-provider forgets a code once its TTL is over, and with it the grant a reuse would revoke
// (RFC 6749 §4.1.2): the web and fapi2 profiles keep codes 5 s so code-reuse-after-one-second sees a
// live one, and a code is not already expired when a loaded machine gets to the token request.
const webCode = { AuthorizationCode: 5 };

export const profiles: Record<string, Profile> = {
  default: { clients: clients.webClients, features: f.oidc(), ttl: webCode },
  'oidc-basic': { clients: clients.webClients, features: f.oidc(), ttl: webCode },
  jarm: { clients: clients.webClients, features: { ...f.oidc(), ...f.jarm() }, ttl: webCode },
  // FAPI 2.0 (plans/peer/fapi2-security-profile.yaml, every client_auth × sender_constrain pair): DPoP
  // and mTLS (RFC 8705, with --client-ca; mtls.ts), JAR, JARM, signed introspection, revocation, and
  // the API (api.ts) as the resource server of RFC 8707 resource indicators.
  fapi2: {
    clients: (self) => [...clients.fapiClients, ...fapiMtlsClients(self)],
    features: { ...f.fapi2(), ...f.introspectionRevocation(), ...mtlsFeature(), ...resourceIndicators() },
    scopes: ['read', 'write'], ttl: { ...webCode, AccessToken: 60, ClientCredentials: 60 }, fapi: true, mtls: true,
  },
  'client-credentials': { clients: clients.serviceClients, features: f.clientCredentials(), scopes: ['api:read', 'api:write'] },
  'introspection-revocation': {
    clients: clients.introspectionClients,
    features: { ...f.oidc(), ...f.clientCredentials(), ...f.introspectionRevocation() },
    scopes: ['api:read', 'api:write', 'introspect'],
    ttl: { ...code, AccessToken: 3, ClientCredentials: 3 },
    idTokenAlgs: ['HS256'],
  },
  // The security review: introspection-revocation plus request objects (suite:security-review-jar).
  'security-review': {
    clients: clients.securityReviewClients,
    features: { ...f.oidc(), ...f.clientCredentials(), ...f.introspectionRevocation(), ...f.requestObjects() },
    scopes: ['api:read', 'api:write', 'introspect'],
    ttl: { ...code, AccessToken: 3, ClientCredentials: 3 },
    // sec-id-token-hs256: touchstone-hmac's ID Tokens are MACed with its secret (OIDC Core §10.1).
    idTokenAlgs: ['HS256'],
  },
  registration: {
    clients: clients.webClients.slice(0, 1),
    features: { ...f.oidc(), ...f.clientCredentials(), ...f.registration('touchstone-initial-access-token-01') },
    scopes: ['api:read', 'api:write'],
  },
  // plans/peer/multi-instance.yaml: several instances on one Redis (main.ts --redis).
  'multi-instance': { clients: clients.multiInstanceClients, features: { ...f.oidc(), ...f.clientCredentials(), ...f.dpop() }, scopes: ['api:read'], ttl: webCode },
  device: { clients: clients.deviceClients, features: { ...f.oidc(), ...f.deviceFlow() }, ttl: { DeviceCode: 20 } },
  rar: { clients: clients.rarClients, features: { ...f.oidc(), ...rar() }, scopes: ['api:read'], ttl: webCode },
  // CIBA Core §7.1: requested_expiry (seconds) sets the request's lifetime, here at most 60 s.
  ciba: {
    clients: clients.cibaClients,
    features: ciba(),
    ttl: { BackchannelAuthenticationRequest: (ctx) => Math.min(60, Number(ctx?.oidc?.params?.requested_expiry) || 60) },
  },
  // FAPI-CIBA ID1 (plans/peer/ciba.yaml, ciba_profile: fapi_ciba): features.fapi '1.0 Final' (request
  // objects need exp, nbf, aud and live at most 60 minutes), private_key_jwt with the FAPI algorithms,
  // and clients that register their request object alg (signed requests required).
  'fapi-ciba': {
    clients: clients.fapiCibaClients,
    features: { ...ciba(), fapi: { enabled: true, profile: '1.0 Final' } },
    ttl: { BackchannelAuthenticationRequest: (ctx) => Math.min(60, Number(ctx?.oidc?.params?.requested_expiry) || 60) },
    fapi: true,
  },
};

export { CIBA_ADMIN_TOKEN };
