// Configuration: a YAML/JSON file or an object, validated against config.schema.json
// (draft 2020-12, ajv allErrors + strict), then completed with defaults. Works with no file at all.
import { readFileSync } from 'node:fs';
import { extname } from 'node:path';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import type { ErrorObject } from 'ajv';
import { ConfigError } from './errors.ts';
import { parseFaults, type FaultId } from './faults.ts';
import type { StoreConfig } from './store.ts';
import type { TlsConfig } from './tls.ts';

export { ConfigError };

export type SigningAlg = 'RS256' | 'PS256' | 'ES256';
/** An ID Token alg: one of our keys' algs, or HS256 MACed with the client's secret (OIDC Core §10.1). */
export type IdTokenAlg = SigningAlg | 'HS256';
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'tls_client_auth' | 'self_signed_tls_client_auth' | 'none';
export type Jwk = Record<string, string | undefined> & { kty: string; kid?: string; alg?: string };

export interface ClientConfig {
  client_id: string;
  client_secret?: string;
  token_endpoint_auth_method: ClientAuthMethod;
  redirect_uris: string[];
  post_logout_redirect_uris: string[];
  id_token_signed_response_alg: IdTokenAlg;
  /** JARM §3: the alg of signed authorization responses (absent: RS256, or the ID Token alg for FAPI 2.0 clients). */
  authorization_signed_response_alg?: SigningAlg;
  jwks?: { keys: Jwk[] };
  scope?: string;
  /** RFC 9449 §5.2: every token request must carry a DPoP proof (sender-constrained tokens). */
  dpop_bound_access_tokens?: boolean;
  /** RFC 8705 §2.1.2: tls_client_auth's expected subject (exactly one of these). */
  tls_client_auth_subject_dn?: string;
  tls_client_auth_san_dns?: string;
  tls_client_auth_san_uri?: string;
  tls_client_auth_san_ip?: string;
  tls_client_auth_san_email?: string;
  /** RFC 8705 §3.4: access tokens are bound to the client's TLS certificate (cnf.x5t#S256). */
  tls_client_certificate_bound_access_tokens?: boolean;
  /** RFC 7591 §2: the grant types the client may use (absent: authorization_code and refresh_token). */
  grant_types?: string[];
  /** Access token format for this client (absent: the provider's access_token_format). */
  access_token_format?: AccessTokenFormat;
  /** FAPI 2.0 Security Profile rules for this client (absent: the provider's `profile`). */
  profile?: Profile;
  /** RFC 9126 §6: this client must use PAR (absent: the provider's setting). */
  require_pushed_authorization_requests?: boolean;
  /** FAPI-CIBA ID1 §5.2.2 for this client's CIBA requests (absent: the provider's `ciba_profile`). */
  ciba_profile?: CibaProfile;
  /** CIBA Core §4: how the client gets the result of a CIBA request (absent: poll). */
  backchannel_token_delivery_mode?: 'poll' | 'ping';
  /** CIBA Core §4: REQUIRED in ping mode, an https URL the OP POSTs the ping to (§10.2). */
  backchannel_client_notification_endpoint?: string;
  /** RFC 9396 §10: the authorization_details types this client may use (absent: every supported type). */
  authorization_details_types?: string[];
  /** OIDC Registration §2: the alg of this client's request objects; `none` lets it send unsigned ones (OIDC Core §6.1). */
  request_object_signing_alg?: string;
  /** RFC 9101 §10.6: every authorization request of this client must be a signed request object. */
  require_signed_request_object?: boolean;
}

/** `fapi2`: the FAPI 2.0 Security Profile rules (provider/fapi.ts) on top of OAuth / OIDC. */
export type Profile = 'default' | 'fapi2';
export type CibaProfile = 'default' | 'fapi';

export type AccessTokenFormat = 'jwt' | 'opaque';

/** RFC 7591: off by default; when enabled, open or with an initial access token (Bearer), and at most max_clients registered. */
export interface RegistrationConfig { enabled: boolean; initial_access_token?: string; max_clients: number }

/** RFC 7523 §3: the longest client-assertion lifetime accepted (seconds from now to exp); bounds how long a jti is kept. */
export interface ClientAssertionConfig { max_lifetime: number }

/** GET /metrics: off unless enabled; a bearer token is required when on (config.schema.json). */
export interface MetricsConfig { enabled: boolean; token?: string }

export interface UserConfig {
  sub: string;
  username: string;
  password: string;
  claims: Record<string, unknown>;
}

export interface Ttl { code: number; access_token: number; id_token: number; session: number; interaction: number; refresh_token: number; par: number; device_code: number; auth_req_id: number }

/** Signing-key rotation (seconds): `every` rotates on a timer; the admin command rotates on demand. */
export interface KeyRotation { every?: number; publish_ahead: number; retire_after: number }

/** RFC 9449 proof validation: allowed algs, the iat window (± seconds), server nonces. */
export interface DpopConfig { algs: string[]; iat_window: number; nonce: { token: boolean; resource: boolean; ttl: number } }
/** The protected resource (/api/...): exp/nbf leeway, JWKS cache refresh (seconds), typ at+jwt required. */
export interface ResourceConfig { leeway: number; jwks_refresh: number; require_typ: boolean; audiences: string[] }

export interface ResolvedConfig {
  issuer?: string;
  /** Absent: the CLI uses 9400, startProvider a random port. */
  port?: number;
  ttl: Ttl;
  keys?: Jwk[];
  key_rotation: KeyRotation;
  /** Bearer token for POST /admin/rotate-keys; absent = the admin endpoint does not exist (404). */
  admin_token?: string;
  /** The acr value of a password login (ID Token acr when acr_values or the claims parameter ask for it). */
  acr: string;
  clients: ClientConfig[];
  users: UserConfig[];
  faults: FaultId[];
  dpop: DpopConfig;
  resource: ResourceConfig;
  /** RFC 9068 JWT (default) or opaque random access tokens. */
  access_token_format: AccessTokenFormat;
  /** RFC 6749 §4.3: the password grant is implemented but refused (unsupported_grant_type) unless true. */
  password_grant: boolean;
  registration: RegistrationConfig;
  client_assertion: ClientAssertionConfig;
  /** Where state lives; absent: the start options' default (memory for startProvider, see server.ts). */
  store?: StoreConfig;
  /** HTTPS: the server certificate and key (PEM text or file paths); absent: plain HTTP. */
  tls?: TlsConfig;
  /** RFC 9396 §10: the authorization_details types the OP supports (advertised in discovery). */
  authorization_details_types: string[];
  /** The CA certificate(s) (PEM text or a file path) the provider trusts when it calls a client (the CIBA ping, §10.2); absent: Node's roots. */
  outbound_tls_ca?: string;
  /** The default profile of every client (a client's own `profile` wins). */
  profile: Profile;
  /** The default CIBA profile of every client: fapi is FAPI-CIBA ID1 §5.2.2 (a client's own `ciba_profile` wins). */
  ciba_profile: CibaProfile;
  /** RFC 9126 §6: every client must use PAR. */
  require_pushed_authorization_requests: boolean;
  /** RFC 8628 §3.2 / CIBA §7.3: the polling interval (seconds) the device and CIBA grants announce and enforce. */
  polling_interval: number;
  metrics: MetricsConfig;
}

export const DEFAULT_TTL: Ttl = { code: 60, access_token: 600, id_token: 600, session: 3600, interaction: 600, refresh_token: 86400, par: 60, device_code: 600, auth_req_id: 120 };
export const DEFAULT_ACR = '1';
export const DEFAULT_MAX_CLIENTS = 1000;

export const DEFAULT_CLIENTS: readonly ClientConfig[] = [
  {
    client_id: 'touchstone-client', client_secret: 'touchstone-secret-1', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['https://client.example/cb'], post_logout_redirect_uris: ['https://client.example/logged-out'], id_token_signed_response_alg: 'RS256',
  },
  {
    client_id: 'touchstone-client-2', client_secret: 'touchstone-secret-2', token_endpoint_auth_method: 'client_secret_basic',
    redirect_uris: ['https://client2.example/cb'], post_logout_redirect_uris: ['https://client2.example/logged-out'], id_token_signed_response_alg: 'PS256',
    // OIDC Core §6.1: registered for unsigned request objects (alg none), which it may send by value.
    request_object_signing_alg: 'none',
  },
  {
    client_id: 'touchstone-post', client_secret: 'touchstone-secret-post', token_endpoint_auth_method: 'client_secret_post',
    redirect_uris: ['https://client.example/cb'], post_logout_redirect_uris: ['https://client.example/logged-out'], id_token_signed_response_alg: 'ES256',
  },
  {
    client_id: 'touchstone-public', token_endpoint_auth_method: 'none',
    redirect_uris: ['https://client.example/cb'], post_logout_redirect_uris: [], id_token_signed_response_alg: 'RS256',
  },
];

export const DEFAULT_USERS: readonly UserConfig[] = [
  {
    sub: 'user-alice', username: 'alice', password: 'wonderland',
    claims: {
      name: 'Alice Liddell', given_name: 'Alice', family_name: 'Liddell', middle_name: 'Pleasance', nickname: 'Al', preferred_username: 'alice',
      profile: 'https://alice.example/profile', picture: 'https://alice.example/alice.png', website: 'https://alice.example', gender: 'female',
      birthdate: '1852-05-04', zoneinfo: 'Europe/London', locale: 'en-GB', updated_at: 1700000000,
      email: 'alice@example.com', email_verified: true,
      address: { formatted: '1 Rabbit Hole\nOxford OX1 1DP\nUnited Kingdom', street_address: '1 Rabbit Hole', locality: 'Oxford', region: 'Oxfordshire', postal_code: 'OX1 1DP', country: 'GB' },
      phone_number: '+44 1865 000000', phone_number_verified: true,
    },
  },
  // A second End-User, for id_token_hint naming someone other than the logged-in End-User.
  { sub: 'user-bob', username: 'bob', password: 'builder', claims: { name: 'Bob Builder', given_name: 'Bob', family_name: 'Builder', email: 'bob@example.com', email_verified: false } },
];

const schemaPath = new URL('./config.schema.json', import.meta.url);
const schemaText = readFileSync(schemaPath, 'utf8');
export const CONFIG_SCHEMA: object = JSON.parse(schemaText);
/** SHA-256 of the schema file, recorded in the precompiled validator (config.validate.cjs). */
export const CONFIG_SCHEMA_SHA256 = createHash('sha256').update(schemaText).digest('hex');

type Validator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
type AjvCtor = new (opts: object) => { compile(schema: object): Validator };
const AJV_OPTIONS = { allErrors: true, strict: true };

// ajv and ajv-formats are CommonJS, loaded only when the schema must be compiled here (the
// precompiled validator is missing or stale, or the standalone source is being generated).
function newAjv(extra: object = {}): InstanceType<AjvCtor> {
  const require = createRequire(import.meta.url);
  const mod = require('ajv/dist/2020.js') as { default?: AjvCtor } & AjvCtor;
  const formats = require('ajv-formats') as { default?: (ajv: unknown) => void } & ((ajv: unknown) => void);
  const ajv = new (mod.default ?? mod)({ ...AJV_OPTIONS, ...extra });
  (formats.default ?? formats)(ajv);
  return ajv;
}

/** The standalone CommonJS source of the validator (scripts/gen-config-validator.ts writes it). */
export function configValidatorSource(): string {
  const require = createRequire(import.meta.url);
  const standalone = require('ajv/dist/standalone/index.js') as { default: (ajv: unknown, v: unknown) => string };
  const ajv = newAjv({ code: { source: true } });
  const code = standalone.default(ajv, ajv.compile(CONFIG_SCHEMA));
  return `// Generated by scripts/gen-config-validator.ts from provider/config.schema.json: do not edit.\n// schema-sha256: ${CONFIG_SCHEMA_SHA256}\n${code}\nmodule.exports.schemaSha256 = ${JSON.stringify(CONFIG_SCHEMA_SHA256)};\n`;
}

let validator: Validator | undefined;
function validate(raw: unknown): void {
  if (!validator) {
    const pre = precompiled();
    validator = pre ?? newAjv().compile(CONFIG_SCHEMA);
  }
  if (!validator(raw)) throw new ConfigError(formatErrors(validator.errors ?? []));
}

/** The precompiled validator when it was generated from this very schema, else undefined. */
function precompiled(): Validator | undefined {
  try {
    const require = createRequire(import.meta.url);
    const mod = require('./config.validate.cjs') as { default: Validator; schemaSha256?: string };
    return mod.schemaSha256 === CONFIG_SCHEMA_SHA256 ? mod.default : undefined;
  } catch {
    return undefined;
  }
}

/** One line naming the field and the rule, e.g. `config: /clients/0/redirect_uris/0 must match format "uri"`. */
function formatErrors(errors: ErrorObject[]): string {
  const lines = errors
    .filter((e) => e.keyword !== 'if')
    .map((e) => {
      const at = e.instancePath || '/';
      if (e.keyword === 'additionalProperties') return `${join(e.instancePath, String(e.params.additionalProperty))} is not allowed (additionalProperties)`;
      if (e.keyword === 'required') return `${join(e.instancePath, String(e.params.missingProperty))} is required`;
      if (e.keyword === 'enum') return `${at} must be one of ${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`;
      if (e.keyword === 'const') return `${at} must be ${JSON.stringify(e.params.allowedValue)}`;
      return `${at} ${e.message ?? 'is invalid'}`;
    });
  const first = lines[0] ?? '/ is invalid';
  return `config: ${first}${lines.length > 1 ? ` (and ${lines.length - 1} more: ${lines.slice(1, 4).join('; ')})` : ''}`;
}

function join(path: string, prop: string): string {
  return `${path}/${prop}`;
}

/** Validate a raw configuration object and fill in defaults. Throws ConfigError. */
export function loadConfig(raw: unknown): ResolvedConfig {
  const input = raw ?? {};
  validate(input);
  const cfg = input as {
    issuer?: string; port?: number; ttl?: Partial<Ttl>; keys?: Jwk[]; key_rotation?: Partial<KeyRotation>; admin_token?: string; acr?: string;
    clients?: Array<Partial<ClientConfig> & { client_id: string; redirect_uris: string[] }>;
    users?: Array<Omit<UserConfig, 'claims'> & { claims?: Record<string, unknown> }>; faults?: string[];
    dpop?: Partial<Omit<DpopConfig, 'nonce'>> & { nonce?: Partial<DpopConfig['nonce']> }; resource?: Partial<ResourceConfig>;
    access_token_format?: AccessTokenFormat; password_grant?: boolean; registration?: Partial<RegistrationConfig>;
    client_assertion?: Partial<ClientAssertionConfig>; store?: StoreConfig; tls?: TlsConfig; outbound_tls_ca?: string; authorization_details_types?: string[];
    profile?: Profile; ciba_profile?: CibaProfile; require_pushed_authorization_requests?: boolean;
    polling_interval?: number; metrics?: Partial<MetricsConfig>;
  };
  const clients: ClientConfig[] = cfg.clients
    ? cfg.clients.map((c) => ({
        ...c,
        token_endpoint_auth_method: c.token_endpoint_auth_method ?? (c.jwks ? 'private_key_jwt' : c.client_secret ? 'client_secret_basic' : 'none'),
        post_logout_redirect_uris: c.post_logout_redirect_uris ?? [],
        id_token_signed_response_alg: c.id_token_signed_response_alg ?? 'RS256',
        // FAPI 2.0 SP §5.3.2.1: only sender-constrained access tokens: DPoP unless the client's are
        // certificate-bound (RFC 8705 §3.4).
        ...((c.profile ?? cfg.profile) === 'fapi2' && c.dpop_bound_access_tokens === undefined && !c.tls_client_certificate_bound_access_tokens ? { dpop_bound_access_tokens: true } : {}),
      }))
    : DEFAULT_CLIENTS.map((c) => structuredClone(c));
  const users: UserConfig[] = cfg.users ? cfg.users.map((u) => ({ ...u, claims: u.claims ?? {} })) : DEFAULT_USERS.map((u) => structuredClone(u));
  const ttl: Ttl = { ...DEFAULT_TTL, ...cfg.ttl };
  const resolved: ResolvedConfig = {
    issuer: cfg.issuer?.replace(/\/$/, ''),
    port: cfg.port,
    ...(cfg.tls ? { tls: cfg.tls } : {}),
    ...(cfg.outbound_tls_ca ? { outbound_tls_ca: cfg.outbound_tls_ca } : {}),
    authorization_details_types: cfg.authorization_details_types ?? [],
    ttl,
    keys: cfg.keys,
    // Defaults: publish a new key one JWKS cache lifetime (60 s) before it signs; keep a retired
    // key published as long as the tokens it signed can live.
    key_rotation: { publish_ahead: 60, retire_after: Math.max(ttl.access_token, ttl.id_token), ...cfg.key_rotation },
    admin_token: cfg.admin_token,
    acr: cfg.acr ?? DEFAULT_ACR,
    clients,
    users,
    faults: parseFaults(cfg.faults ?? [], '/faults'),
    dpop: { algs: cfg.dpop?.algs ?? ['ES256', 'PS256', 'EdDSA'], iat_window: cfg.dpop?.iat_window ?? 60, nonce: { token: false, resource: false, ttl: 60, ...cfg.dpop?.nonce } },
    resource: { leeway: 10, jwks_refresh: 60, require_typ: true, audiences: [], ...cfg.resource },
    access_token_format: cfg.access_token_format ?? 'jwt',
    password_grant: cfg.password_grant ?? false,
    // Open registration is off unless enabled (issue 15: it grew the client table without bound);
    // with an initial access token set, registration (with that token) is on unless disabled.
    registration: { enabled: cfg.registration?.enabled ?? cfg.registration?.initial_access_token !== undefined, initial_access_token: cfg.registration?.initial_access_token, max_clients: cfg.registration?.max_clients ?? DEFAULT_MAX_CLIENTS },
    client_assertion: { max_lifetime: cfg.client_assertion?.max_lifetime ?? 300 },
    store: cfg.store,
    profile: cfg.profile ?? 'default',
    ciba_profile: cfg.ciba_profile ?? 'default',
    require_pushed_authorization_requests: cfg.require_pushed_authorization_requests ?? false,
    polling_interval: cfg.polling_interval ?? 5,
    metrics: { enabled: cfg.metrics?.enabled ?? false, token: cfg.metrics?.token },
  };
  checkClients(resolved);
  checkUnique(resolved.users.map((u) => u.sub), '/users', 'sub');
  checkUnique(resolved.users.map((u) => u.username), '/users', 'username');
  if (resolved.keys) checkUnique(resolved.keys.map((k) => k.kid ?? ''), '/keys', 'kid');
  return resolved;
}

// Cross-field rules the schema cannot say cleanly: secrets for secret-based methods, jwks for
// private_key_jwt, a signing key for each client's ID Token alg, unique client ids.
function checkClients(cfg: ResolvedConfig): void {
  checkUnique(cfg.clients.map((c) => c.client_id), '/clients', 'client_id');
  cfg.clients.forEach((c, i) => {
    const m = c.token_endpoint_auth_method;
    if ((m === 'client_secret_basic' || m === 'client_secret_post') && !c.client_secret) {
      throw new ConfigError(`config: /clients/${i}/client_secret is required when token_endpoint_auth_method is ${m}`);
    }
    if (m === 'private_key_jwt' && !c.jwks) throw new ConfigError(`config: /clients/${i}/jwks is required when token_endpoint_auth_method is private_key_jwt`);
    // RFC 8705 §2.1.2: a tls_client_auth client registers exactly one subject value.
    const subjects = (['tls_client_auth_subject_dn', 'tls_client_auth_san_dns', 'tls_client_auth_san_uri', 'tls_client_auth_san_ip', 'tls_client_auth_san_email'] as const).filter((k) => c[k] !== undefined);
    if (m === 'tls_client_auth' && subjects.length !== 1) throw new ConfigError(`config: /clients/${i} needs exactly one of tls_client_auth_subject_dn, tls_client_auth_san_dns, _san_uri, _san_ip, _san_email (RFC 8705 §2.1.2), found ${subjects.length}`);
    // RFC 8705 §2.2.2: a self-signed client registers its certificate(s) as x5c in jwks.
    if (m === 'self_signed_tls_client_auth' && !c.jwks?.keys.some((k) => Array.isArray((k as { x5c?: unknown }).x5c))) throw new ConfigError(`config: /clients/${i}/jwks needs a key with x5c when token_endpoint_auth_method is self_signed_tls_client_auth`);
    if ((m === 'tls_client_auth' || m === 'self_signed_tls_client_auth' || c.tls_client_certificate_bound_access_tokens) && !cfg.tls?.mtls) throw new ConfigError(`config: /clients/${i} uses mutual TLS: /tls/mtls is required`);
    if (m === 'none' && c.client_secret) throw new ConfigError(`config: /clients/${i}/client_secret is not allowed when token_endpoint_auth_method is none`);
    // FAPI 2.0 SP §5.4.1: a FAPI client's ID Tokens are signed with PS256, ES256 or EdDSA.
    if ((c.profile ?? cfg.profile) === 'fapi2' && (c.id_token_signed_response_alg === 'RS256' || c.id_token_signed_response_alg === 'HS256')) {
      throw new ConfigError(`config: /clients/${i}/id_token_signed_response_alg ${c.id_token_signed_response_alg} is not allowed for a fapi2 client (PS256, ES256, EdDSA)`);
    }
    // FAPI 2.0 SP §5.4.1 for JARM responses too (JARM §3: the client's authorization_signed_response_alg).
    if ((c.profile ?? cfg.profile) === 'fapi2' && c.authorization_signed_response_alg === 'RS256') {
      throw new ConfigError(`config: /clients/${i}/authorization_signed_response_alg RS256 is not allowed for a fapi2 client (PS256, ES256, EdDSA)`);
    }
    // FAPI-CIBA ID1 §5.2.2 (FAPI 1.0 Advanced §5.2.2-14): a FAPI-CIBA client authenticates with
    // private_key_jwt or mutual TLS.
    if ((c.ciba_profile ?? cfg.ciba_profile) === 'fapi' && c.grant_types?.includes('urn:openid:params:grant-type:ciba') && !['private_key_jwt', 'tls_client_auth', 'self_signed_tls_client_auth'].includes(m)) {
      throw new ConfigError(`config: /clients/${i}/token_endpoint_auth_method ${m} is not allowed for a FAPI-CIBA client (private_key_jwt, tls_client_auth, self_signed_tls_client_auth)`);
    }
    // CIBA Core §4: a ping-mode client registers its notification endpoint, which MUST be an https URL.
    if (c.backchannel_token_delivery_mode === 'ping' && !/^https:\/\//.test(c.backchannel_client_notification_endpoint ?? '')) {
      throw new ConfigError(`config: /clients/${i}/backchannel_client_notification_endpoint (an https URL) is required when backchannel_token_delivery_mode is ping`);
    }
    if (c.id_token_signed_response_alg === 'HS256') {
      // OIDC Core §10.1: the MAC key is the UTF-8 octets of the client_secret; RFC 7518 §3.2: a key
      // "of the same size as the hash output ... or larger MUST be used" (32 octets for HS256).
      if (!c.client_secret) throw new ConfigError(`config: /clients/${i}/id_token_signed_response_alg HS256 needs a client_secret (OIDC Core §10.1)`);
      if (Buffer.byteLength(c.client_secret, 'utf8') < 32) throw new ConfigError(`config: /clients/${i}/client_secret is shorter than 32 octets, too short an HS256 key (RFC 7518 §3.2)`);
    } else if (cfg.keys && !cfg.keys.some((k) => k.alg === c.id_token_signed_response_alg)) {
      throw new ConfigError(`config: /clients/${i}/id_token_signed_response_alg ${c.id_token_signed_response_alg} has no key in /keys`);
    }
  });
}

function checkUnique(values: string[], path: string, field: string): void {
  const seen = new Set<string>();
  values.forEach((v, i) => {
    if (seen.has(v)) throw new ConfigError(`config: ${path}/${i}/${field} must be unique ("${v}" is repeated)`);
    seen.add(v);
  });
}

/** Read a YAML or JSON configuration file (parse errors are ConfigErrors too). */
export function readConfigFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ConfigError(`config: cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    // yaml is loaded only for a YAML file (a JSON config or none starts without it).
    return extname(file).toLowerCase() === '.json' ? JSON.parse(text) : (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
  } catch (e) {
    throw new ConfigError(`config: ${file} is not valid ${extname(file) === '.json' ? 'JSON' : 'YAML'}: ${(e as Error).message.split('\n')[0]}`);
  }
}
