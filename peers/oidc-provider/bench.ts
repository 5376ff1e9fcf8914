// oidc-provider 9.13.3 for the provider benchmark (scripts/bench-provider.ts): the fapi2 profile's
// configuration as peers/oidc-provider/main.ts builds it (keys, accounts, FAPI 2.0 algorithms,
// DPoP, client credentials), plus what the heavy flow needs: one client authenticating with
// private_key_jwt ES256 whose public JWK the bench passes in, and JWT access tokens (RFC 9068) for
// the resource it names (resource indicators, RFC 8707).
//   BENCH_CLIENT_JWK='{"kty":"EC",...}' node peers/oidc-provider/bench.ts --port N --resource URL
import { createServer } from 'node:http';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';
import { findAccount, scopeClaims } from './accounts.ts';
import { providerKeys } from './keys.ts';
import { logRequests } from './pages.ts';
import { profiles } from './profiles.ts';

const { values } = parseArgs({ options: { port: { type: 'string' }, resource: { type: 'string' } } });
const port = Number(values.port);
const resource = values.resource;
const jwk = JSON.parse(process.env.BENCH_CLIENT_JWK ?? 'null') as Record<string, string> | null;
if (!Number.isInteger(port) || port <= 0 || !resource || !jwk) {
  console.error('usage: BENCH_CLIENT_JWK=<public JWK> node peers/oidc-provider/bench.ts --port N --resource URL');
  process.exit(2);
}
export const BENCH_CLIENT_ID = 'bench-client';

const p = profiles.fapi2;
// Not mTLS (this server is plain http) nor the plan's API resource server: the bench's own resource below.
const { mTLS: _mtls, resourceIndicators: _ri, ...features } = p.features;
const fapiAlgs = ['PS256', 'ES256', 'EdDSA'];
const issuer = `http://127.0.0.1:${port}`;
const provider = new Provider(issuer, {
  clients: [{
    client_id: BENCH_CLIENT_ID, token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'ES256',
    jwks: { keys: [jwk] }, redirect_uris: [], response_types: [], grant_types: ['client_credentials'], scope: 'read', id_token_signed_response_alg: 'ES256',
    dpop_bound_access_tokens: true,
    // The fapi2 features turn on JWT introspection and JARM, whose RS256 defaults are not FAPI algorithms.
    introspection_signed_response_alg: 'ES256', authorization_signed_response_alg: 'ES256',
  }],
  jwks: { keys: providerKeys },
  findAccount,
  claims: scopeClaims,
  scopes: ['openid', 'offline_access', ...(p.scopes ?? [])],
  features: {
    ...features,
    // RFC 8707 + RFC 9068: the resource gets JWT access tokens (RS256, as ours signs them).
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({ scope: 'read', audience: resource, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } }),
    },
  },
  pkce: { required: () => true },
  ttl: { ClientCredentials: 600 },
  cookies: { keys: ['touchstone-peer-cookie-key-0001'] },
  clientAuthMethods: ['private_key_jwt'],
  responseTypes: ['code'],
  enabledJWA: {
    clientAuthSigningAlgValues: fapiAlgs, idTokenSigningAlgValues: fapiAlgs, requestObjectSigningAlgValues: fapiAlgs,
    userinfoSigningAlgValues: fapiAlgs, introspectionSigningAlgValues: fapiAlgs, authorizationSigningAlgValues: fapiAlgs,
    dPoPSigningAlgValues: fapiAlgs,
  },
});
// One line per request, as the peer logs (ours logs one JSON line per request too).
provider.use(logRequests);
provider.on('server_error', (_ctx: unknown, err: Error) => console.error('server_error', err));
createServer(provider.callback()).listen(port, '127.0.0.1', () => console.log(`oidc-provider bench peer at ${issuer}`));
