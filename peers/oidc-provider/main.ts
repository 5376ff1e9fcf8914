// The oidc-provider test peer: panva's certified OP (oidc-provider 9.13.3) configured per peer plan.
//   node peers/oidc-provider/main.ts --profile <name> --port <N> [--tls-cert <pem file> --tls-key <pem file>]
//     [--issuer <url> --redis <redis://…> --redis-prefix <p>]
//     [--ciba-notify <url> --outbound-ca <pem file>]  (CIBA ping: a ping-mode client with this notification endpoint)
//     [--client-ca <pem file>] [--self-signed-cert <pem file>]   (mTLS, profile fapi2: peers/oidc-provider/mtls.ts)
// listens on 127.0.0.1:<N> with issuer http://127.0.0.1:<N> (https with --tls-cert/--tls-key: Koa's
// callback under node:https, TLS 1.2 minimum and Node's default ciphers) and logs "METHOD /path status" per request.
// Several instances (plans/peer/multi-instance.yaml) share one --issuer and keep their state in one
// Redis (redis-adapter.ts) instead of the in-memory adapter.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { parseArgs } from 'node:util';
import Provider from 'oidc-provider';
import { findAccount, scopeClaims } from './accounts.ts';
import { connectRedis, RedisAdapter } from './redis-adapter.ts';
import { cibaApproval, cibaPingClient, loopbackFetch } from './ciba.ts';
import { providerKeys } from './keys.ts';
import { logRequests, markScopes } from './pages.ts';
import { type Profile, profiles } from './profiles.ts';
import { api } from './api.ts';

const { values } = parseArgs({ options: { profile: { type: 'string', default: 'default' }, port: { type: 'string' }, 'tls-cert': { type: 'string' }, 'tls-key': { type: 'string' }, issuer: { type: 'string' }, redis: { type: 'string' }, 'redis-prefix': { type: 'string', default: 'peer:' }, 'ciba-notify': { type: 'string' }, 'outbound-ca': { type: 'string' }, 'client-ca': { type: 'string' }, 'self-signed-cert': { type: 'string' } } });
const profile = profiles[values.profile!];
if (!profile) {
  console.error(`unknown --profile ${values.profile}; one of ${Object.keys(profiles).join(', ')}`);
  process.exit(2);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port <= 0) {
  console.error('--port <N> is required');
  process.exit(2);
}

/** Lifetimes in seconds; a profile shortens the ones its expiry modules wait for. */
const ttl = {
  AccessToken: 600, ClientCredentials: 600, AuthorizationCode: 60, IdToken: 600, RefreshToken: 3600, Grant: 3600,
  Interaction: 600, Session: 3600, DeviceCode: 600, BackchannelAuthenticationRequest: 600,
};

// FAPI 2.0 Security Profile §5.4: PS256, ES256 or EdDSA only.
const fapiAlgs = ['PS256', 'ES256', 'EdDSA'];

const notify = values['ciba-notify'];
const outboundCa = values['outbound-ca'] ? readFileSync(values['outbound-ca'], 'utf8') : undefined;

function configuration(p: Profile): Record<string, unknown> {
  return {
    clients: [
      ...(typeof p.clients === 'function' ? p.clients(values['self-signed-cert'] ? readFileSync(values['self-signed-cert'], 'utf8') : undefined) : p.clients),
      ...(notify ? [cibaPingClient(notify)] : []),
    ],
    ...(outboundCa ? { fetch: loopbackFetch(outboundCa) } : {}),
    jwks: { keys: providerKeys },
    findAccount,
    claims: scopeClaims,
    scopes: ['openid', 'offline_access', ...(p.scopes ?? [])],
    features: p.features,
    pkce: { required: () => true },
    rotateRefreshToken: true,
    ttl: { ...ttl, ...p.ttl },
    cookies: { keys: ['touchstone-peer-cookie-key-0001'] },
    ...(values.redis && { adapter: RedisAdapter }),
    clientAuthMethods: p.fapi ? ['private_key_jwt', ...(p.mtls ? ['tls_client_auth', 'self_signed_tls_client_auth'] : [])] : ['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'],
    ...(p.idTokenAlgs && { enabledJWA: { idTokenSigningAlgValues: ['RS256', 'PS256', 'ES256', 'Ed25519', 'EdDSA', ...p.idTokenAlgs] } }),
    ...(p.fapi && {
      // FAPI 2.0 Security Profile §5.3.2.2: response type code only.
      responseTypes: ['code'],
      enabledJWA: {
        clientAuthSigningAlgValues: fapiAlgs, idTokenSigningAlgValues: fapiAlgs, requestObjectSigningAlgValues: fapiAlgs,
        userinfoSigningAlgValues: fapiAlgs, introspectionSigningAlgValues: fapiAlgs, authorizationSigningAlgValues: fapiAlgs,
        dPoPSigningAlgValues: fapiAlgs,
      },
    }),
  };
}

// --client-ca: request (never require) a client certificate, trusting that CA (RFC 8705, mtls.ts).
const clientCa = values['client-ca'] ? { requestCert: true, rejectUnauthorized: false, ca: readFileSync(values['client-ca'], 'utf8') } : {};
const tls = values['tls-cert'] && values['tls-key'] ? { cert: readFileSync(values['tls-cert'], 'utf8'), key: readFileSync(values['tls-key'], 'utf8'), minVersion: 'TLSv1.2' as const, ...clientCa } : undefined;
const issuer = values.issuer?.replace(/\/$/, '') ?? `${tls ? 'https' : 'http'}://127.0.0.1:${port}`;
if (values.redis) await connectRedis(values.redis, values['redis-prefix']!);
const provider = new Provider(issuer, configuration(profile));
provider.use(logRequests);
provider.use(markScopes);
provider.on('server_error', (_ctx: unknown, err: Error) => console.error('server_error', err));
const handle = provider.callback();

const listener: Parameters<typeof createServer>[1] = (req, res) => {
  // The protected resource (api.ts) at /api/*, then the CIBA admin route, then oidc-provider.
  api(provider as never, issuer, req, res).then((served) => served || cibaApproval(provider, req, res)).then((handled) => {
    if (handled) console.log(`${req.method} ${req.url} ${res.statusCode}`);
    else handle(req, res);
  }, (err: Error) => {
    console.error('admin route error', err);
    res.writeHead(500).end();
  });
};
(tls ? createHttpsServer(tls, listener) : createServer(listener)).listen(port, '127.0.0.1', () => console.log(`oidc-provider peer (profile ${values.profile}) at ${issuer}`));
