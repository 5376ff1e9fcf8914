// Steps that read the provider's published metadata: discovery, the RFC 8414 alias, the JWKS.
import {
  discoveryAdvertisesIssParameter,
  discoveryHasEndSessionEndpoint,
  discoveryIssuerMatches,
  discoveryAdvertisesRequestObjects,
  discoveryMatchesFapi2Profile,
  discoveryMatchesSchema,
  jwksHasNoPrivateMembers,
  jwksKidsAreUnique,
  jwksSigningKeysStrong,
  jwksMatchesSchema,
  oauthMetadataAliasMatches,
  metadataAdvertisesBoundTokens,
  mtlsEndpointAliasesValid,
} from '../../checks/index.ts';
import type { StepDef } from '../../core/types.ts';
import { publicKeys } from '../jwks-cache.ts';
import { StepAbort, type Metadata, type ModuleRun } from '../module-run.ts';
import { checksOf, options } from './options.ts';

function extraChecks(step: StepDef): string[] {
  return (step.with?.checks as string[] | undefined) ?? [];
}

/** GET /.well-known/openid-configuration; always checks shape and issuer, optional checks by name. */
export async function discover(run: ModuleRun, step: StepDef): Promise<void> {
  const issuer = run.ctx.issuer;
  const ex = await run.http.send(`${issuer}/.well-known/openid-configuration`, { step: step.id!, label: 'discovery' });
  const res = run.response(ex);
  const metadata = res.json ?? res.body;
  run.add(discoveryMatchesSchema(metadata, ex.id), discoveryIssuerMatches({ expected: issuer, metadata }, ex.id));
  const extra = extraChecks(step);
  if (extra.includes('iss-parameter')) run.add(discoveryAdvertisesIssParameter(metadata, ex.id));
  if (extra.includes('end-session')) run.add(discoveryHasEndSessionEndpoint(metadata, ex.id));
  // The FAPI 2.0 overlay: profile findings apart from the base discovery schema's.
  if (extra.includes('fapi2')) run.add(discoveryMatchesFapi2Profile(metadata, ex.id));
  // Mutual TLS (RFC 8705): §5 aliases when published, §3.3 certificate-bound tokens advertised.
  if (extra.includes('mtls-aliases')) run.add(mtlsEndpointAliasesValid({ metadata }, ex.id));
  if (extra.includes('mtls-bound-tokens')) run.add(metadataAdvertisesBoundTokens({ metadata }, ex.id));
  // RFC 9101 §10.5: request objects are advertised.
  if (extra.includes('request-object')) run.add(discoveryAdvertisesRequestObjects(metadata, ex.id));
  if (!res.json || typeof res.json !== 'object' || Array.isArray(res.json)) throw new StepAbort(`discovery did not return a JSON object (HTTP ${res.status})`);
  run.discovery = res.json as Metadata;
}

/**
 * The RFC 8414 metadata URL of an issuer. §3.1: the well-known segment is inserted between the
 * host and the issuer's path (its terminating "/" removed), not appended as OIDC Discovery §4 does:
 * https://h/tenant → https://h/.well-known/oauth-authorization-server/tenant.
 */
export function oauthMetadataUrl(issuer: string): string {
  const u = new URL(issuer);
  const path = u.pathname.replace(/\/+$/, '');
  return `${u.origin}/.well-known/oauth-authorization-server${path}`;
}

/** GET the RFC 8414 §3.1 authorization server metadata URL of the issuer. */
export async function oauthMetadata(run: ModuleRun, step: StepDef): Promise<void> {
  const issuer = run.ctx.issuer;
  const ex = await run.http.send(oauthMetadataUrl(issuer), { step: step.id!, label: 'oauth-authorization-server metadata' });
  const res = run.response(ex);
  run.add(oauthMetadataAliasMatches({ expected: issuer, status: res.status, metadata: res.json ?? res.body }, ex.id));
}

/** GET jwks_uri from discovery. */
export async function jwks(run: ModuleRun, step: StepDef): Promise<void> {
  await fetchJwks(run, step.id!, extraChecks(step));
}

export async function fetchJwks(run: ModuleRun, stepId: string, extra: string[] = []): Promise<void> {
  const ex = await run.http.send(run.endpoint('jwks_uri'), { step: stepId, label: 'jwks' });
  const res = run.response(ex);
  const set = res.json ?? res.body;
  run.add(jwksMatchesSchema(set, ex.id));
  // A private member in the published set is reported wherever the set is read (RFC 7517 §9.2;
  // OIDC Core §10.1.1: the JWKS carries the OP's public keys), once per module; passes only where asked.
  const noPrivate = jwksHasNoPrivateMembers(set, ex.id);
  const reported = run.findings.some((f) => f.check === noPrivate.check);
  if (extra.includes('no-private') || (!noPrivate.ok && !reported)) run.add(noPrivate);
  if (extra.includes('unique-kids')) run.add(jwksKidsAreUnique(set, ex.id));
  if (extra.includes('key-strength')) run.add(jwksSigningKeysStrong(set, ex.id));
  const keys = (res.json as { keys?: unknown } | undefined)?.keys;
  if (!Array.isArray(keys)) throw new StepAbort('the JWKS has no keys array');
  // Signatures are verified with the public half of each key (private members dropped, oct keys left out).
  run.jwks = { keys: publicKeys(keys) as Record<string, unknown>[] };
}

/** `with` of `discover`. */
export const discoverOptions = options({ checks: checksOf('iss-parameter', 'end-session', 'fapi2', 'mtls-aliases', 'mtls-bound-tokens', 'request-object') });
/** `with` of `oauth-metadata`: none. */
export const oauthMetadataOptions = options({});
/** `with` of `jwks`. */
export const jwksOptions = options({ checks: checksOf('no-private', 'unique-kids', 'key-strength') });
