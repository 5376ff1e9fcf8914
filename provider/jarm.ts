// JARM (JWT Secured Authorization Response Mode for OAuth 2.0, final): the authorization response
// parameters become the claims of a JWT signed with the OP's key, sent as the single `response`
// parameter in the query (query.jwt; jwt for the code flow), the fragment (fragment.jwt) or a form
// POST (form_post.jwt). Each rule has its fault switch.
import { SignJWT, UnsecuredJWT } from 'jose';
import type { ClientConfig, SigningAlg } from './config.ts';
import { findClient, type ProviderContext } from './context.ts';
import { isFapi } from './fapi.ts';

export const JARM_MODES = ['jwt', 'query.jwt', 'fragment.jwt', 'form_post.jwt'] as const;
export type JarmMode = (typeof JARM_MODES)[number];

export function isJarmMode(m: unknown): m is JarmMode {
  return typeof m === 'string' && (JARM_MODES as readonly string[]).includes(m);
}

/** JARM §2.3.4: "jwt" is the response type's default encoding, query.jwt for code (our only type). */
export function plainModeOf(mode: JarmMode): 'query' | 'fragment' | 'form_post' {
  return mode === 'form_post.jwt' ? 'form_post' : mode === 'fragment.jwt' ? 'fragment' : 'query';
}

/** JARM §2.1: RECOMMENDED at most 10 minutes; ours live 5. */
const LIFETIME = 300;

/**
 * JARM §3: authorization_signed_response_alg, RS256 when unspecified; a FAPI 2.0 client (SP §5.4.1:
 * PS256, ES256, EdDSA only) without one gets its ID Token alg, which the config holds to that list
 * (fault jarm-fapi-rs256: RS256 for FAPI clients too).
 */
export function jarmAlg(ctx: ProviderContext, client: ClientConfig | undefined): SigningAlg {
  if (!client) return 'RS256';
  if (isFapi(ctx, client) && ctx.faults.on('jarm-fapi-rs256')) return 'RS256';
  // (The config refuses HS256 ID Tokens for FAPI clients, so their ID Token alg is a signing alg.)
  const idAlg = client.id_token_signed_response_alg;
  return client.authorization_signed_response_alg ?? (isFapi(ctx, client) && idAlg !== 'HS256' ? idAlg : 'RS256');
}

/**
 * The response parameters as JARM §2.1 claims (iss, aud, exp and every response parameter, errors
 * included) signed per §2.2. Returns what travels in plain beside it (nothing, unless a fault).
 */
export async function jarmResponse(ctx: ProviderContext, clientId: string, params: Record<string, string>): Promise<Record<string, string>> {
  const { faults } = ctx;
  const client = await findClient(ctx, clientId);
  const claims: Record<string, unknown> = { ...params };
  const outside: Record<string, string> = {};
  // §2.1: state is a response parameter, inside the JWT (fault jarm-state-outside: beside it, unsigned).
  if (faults.on('jarm-state-outside') && params.state !== undefined) {
    delete claims.state;
    outside.state = params.state;
  }
  // FAPI 2.0 MS §5.4.1 note: iss only inside the JWT (fault jarm-iss-outside: also beside it).
  if (faults.on('jarm-iss-outside')) outside.iss = ctx.issuer;
  // §2.1: iss, the issuer (fault jarm-no-iss: none).
  if (faults.on('jarm-no-iss')) delete claims.iss;
  else claims.iss = ctx.issuer;
  // §2.1: aud, the client the response is for (fault jarm-wrong-aud: another client id).
  claims.aud = faults.on('jarm-wrong-aud') ? `${clientId}-other` : clientId;
  // §2.1: exp, a short lifetime (faults: jarm-expired already past; jarm-long-lived an hour).
  const now = Math.floor(Date.now() / 1000);
  claims.exp = faults.on('jarm-expired') ? now - 120 : faults.on('jarm-long-lived') ? now + 3600 : now + LIFETIME;
  // §2.2: signed with the OP's key (fault jarm-unsigned: an unsecured JWT, alg none).
  if (faults.on('jarm-unsigned')) return { response: new UnsecuredJWT(claims).encode(), ...outside };
  const key = ctx.keys.forAlg(jarmAlg(ctx, client));
  const jwt = await new SignJWT(claims).setProtectedHeader({ alg: key.alg, kid: key.kid }).sign(key.privateKey);
  return { response: jwt, ...outside };
}
