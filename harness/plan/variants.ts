// The plan's variants: what the provider under test does where the specs leave it a choice (or
// where a profile narrows it). Modules carry `applies: { <variant>: [values] }`; a module whose
// variant the plan does not set, or sets to another value, is not applicable. This registry is the
// one list of names and values: the loader validates plans against it, a test validates every
// suite's `applies:`, and `touchstone variants` prints it (the README table is that output).

export interface VariantDef {
  /** What the variant says about the provider. */
  about: string;
  /** Each allowed value and what it means. */
  values: Record<string, string>;
}

export const VARIANTS: Record<string, VariantDef> = {
  openid: {
    about: 'Whether the provider is an OpenID Provider or a plain OAuth 2.0 authorization server',
    values: { openid_connect: 'OpenID Connect (ID Tokens, UserInfo, discovery)', plain_oauth: 'OAuth 2.0 only' },
  },
  client_auth: {
    about: 'How the plan\'s main client authenticates at the token endpoint',
    values: {
      client_secret_basic: 'HTTP Basic with the client secret',
      client_secret_post: 'the client secret in the form body',
      private_key_jwt: 'a signed client assertion (RFC 7523)',
      mtls: 'a TLS client certificate (RFC 8705 tls_client_auth or self_signed_tls_client_auth)',
      none: 'a public client',
    },
  },
  sender_constrain: {
    about: 'How access tokens are bound to the client',
    values: { none: 'bearer tokens', dpop: 'DPoP (RFC 9449)', mtls: 'certificate-bound (RFC 8705 §3, cnf.x5t#S256)' },
  },
  pkce: {
    about: 'Whether the provider requires PKCE on every authorization request (RFC 7636 §4.4.1 applies then)',
    values: { required: 'a request without code_challenge is refused', optional: 'PKCE is used when the client sends it' },
  },
  pkce_methods: {
    about: 'The code_challenge_methods the provider accepts',
    values: { S256: 'S256 only (plain is refused, as FAPI 2.0 requires)', S256_plain: 'S256 and plain' },
  },
  request_object: {
    about: 'Request objects (JAR, RFC 9101 / OIDC Core §6) at the authorization endpoint',
    values: {
      none: 'not supported: request and request_uri are refused (OIDC Core §6 allows that)',
      by_value: 'the request parameter only',
      by_reference: 'the request_uri parameter only',
      both: 'by value and by reference',
    },
  },
  alg_none_id_token: {
    about: 'Whether the provider can issue unsigned ID Tokens (alg none) to clients registered for them',
    values: { supported: 'it can', unsupported: 'it cannot' },
  },
  registration: {
    about: 'How dynamic client registration (RFC 7591) is opened',
    values: { open: 'anyone may register', initial_access_token: 'an initial access token is required' },
  },
  http_redirect_uri: {
    about: 'The provider\'s policy for http (not https) redirect URIs at registration (a SHOULD of RFC 6749 §3.1.2.1, not a MUST)',
    values: { refused: 'refused', accepted: 'accepted' },
  },
  introspection_auth: {
    about: 'How a caller authorizes at the introspection endpoint (RFC 7662 §2.1 leaves it to the server)',
    values: { client: 'client authentication', bearer: 'client authentication or a bearer access token' },
  },
  userinfo_form_body: {
    about: 'Whether UserInfo accepts the access token in a form body (RFC 6750 §2.2, a MAY)',
    values: { supported: 'it does', unsupported: 'it does not' },
  },
  par_request_uri_reload: {
    about: 'Whether a pushed request_uri may be opened again before its authorization completes (RFC 9126 §4, a MAY)',
    values: { allowed: 'it may (a browser reload works)', refused: 'it is single-use from the first visit' },
  },
  dpop_token_nonce: {
    about: 'Whether the token endpoint requires DPoP server nonces (RFC 9449 §8)',
    values: { required: 'it does', none: 'it does not' },
  },
  dpop_jti_replay: {
    about: 'Whether the provider declines a DPoP proof whose jti it has seen before (RFC 9449 §11.1, a MAY)',
    values: { refused: 'it stores proof jtis and declines a replayed proof', not_checked: 'it does not store jtis (nonces and a short iat window limit replay)' },
  },
  ciba_mode: {
    about: 'The CIBA token delivery modes the provider offers',
    values: { poll: 'poll only', ping: 'poll and ping' },
  },
  ciba_profile: {
    about: 'Whether CIBA runs under the FAPI-CIBA profile',
    values: { ciba: 'CIBA Core only', fapi_ciba: 'FAPI-CIBA rules on top' },
  },
  ciba_refresh_token: {
    about: 'Whether a CIBA grant can yield a refresh token (the plan\'s main CIBA client asking for offline_access)',
    values: { supported: 'it can', unsupported: 'it cannot' },
  },
  device_refresh_token: {
    about: 'Whether a device authorization grant can yield a refresh token (the plan\'s second device client asking for offline_access)',
    values: { supported: 'it can', unsupported: 'it cannot' },
  },
  instances: {
    about: 'Whether the plan reaches several instances of the provider sharing one store (plan provider.instances)',
    values: { several: 'two or more instances: race modules split their copies across them', one: 'a single instance' },
  },
  device_flow: {
    about: 'Whether the provider serves the device authorization grant (RFC 8628)',
    values: { supported: 'it does: device-flow modules outside suites/device.yaml apply (race-device-code)', unsupported: 'it does not' },
  },
  request_method: {
    about: 'How the plan\'s pushed authorization requests travel (FAPI 2.0 Message Signing §5.3.1; the OIDF plan\'s fapi_request_method)',
    values: { unsigned: 'form parameters (RFC 9126 §2.1)', signed: 'a signed request object (RFC 9101): par steps sign their parameters unless a step says request_object: false' },
  },
  response_mode: {
    about: 'How authorization responses travel (the plan\'s code flows, FAPI 2.0 Message Signing §5.4)',
    values: { plain: 'query, fragment or form_post parameters (RFC 6749, RFC 9207)', jarm: 'a signed JWT (JARM): authorize and par steps send response_mode=jwt unless a step names a mode' },
  },
  signed_introspection: {
    about: 'Whether the provider answers RFC 9701 signed (JWT) introspection responses (FAPI 2.0 Message Signing §5.5, a separate conformance option)',
    values: { supported: 'Accept: application/token-introspection+jwt gets a signed JWT', unsupported: 'it does not (or has no introspection endpoint)' },
  },
  ciba_binding_message: {
    about: 'The provider\'s binding_message policy (CIBA §7.1 leaves it to the OP)',
    values: { accepted: 'a long binding message is accepted', refused: 'a long binding message is refused with invalid_binding_message' },
  },
};

/** Problems with a plan's `variants:` (unknown name or value), each naming its path. */
export function variantProblems(variants: Record<string, string> | undefined, at = '/variants'): string[] {
  const out: string[] = [];
  for (const [name, value] of Object.entries(variants ?? {})) {
    const def = VARIANTS[name];
    if (!def) out.push(`${at}/${name}: unknown variant; known: ${Object.keys(VARIANTS).join(', ')}`);
    else if (!(value in def.values)) out.push(`${at}/${name}: unknown value ${JSON.stringify(value)}; allowed: ${Object.keys(def.values).join(', ')}`);
  }
  return out;
}

/** The registry as a Markdown table (`touchstone variants`; the README's table). */
export function variantsTable(): string {
  const rows = Object.entries(VARIANTS).map(([name, d]) => `| \`${name}\` | ${d.about} | ${Object.entries(d.values).map(([v, m]) => `\`${v}\`: ${m}`).join('; ')} |`);
  return ['| variant | what it says | values |', '|---|---|---|', ...rows].join('\n');
}
