// Which End-User claims are released where: by scope (OIDC Core §5.4, to UserInfo for the code
// flow) and by the claims request parameter (OIDC Core §5.5, to UserInfo and to the ID Token).
import type { UserConfig } from './config.ts';
import { SCOPE_CLAIMS, type ProviderContext } from './context.ts';
import { InvalidRequest } from './errors.ts';

/** OIDC Core §5.5.1: null, or { essential?, value?, values? } per claim. */
export type ClaimSpec = { essential?: boolean; value?: unknown; values?: unknown[] } | null;
export interface ClaimsRequest { userinfo?: Record<string, ClaimSpec>; id_token?: Record<string, ClaimSpec> }

// OIDC Core §5.5: claims is a JSON object whose userinfo and id_token members are objects naming
// claims, each null or an object; anything else is invalid_request. Other members are ignored.
export function parseClaimsRequest(ctx: ProviderContext, raw: string | undefined): ClaimsRequest | undefined {
  if (raw === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new InvalidRequest('claims is not valid JSON');
  }
  if (!isObject(parsed)) throw new InvalidRequest('claims must be a JSON object');
  const out: ClaimsRequest = {};
  for (const target of ['userinfo', 'id_token'] as const) {
    const members = parsed[target];
    if (members === undefined) continue;
    if (!isObject(members)) throw new InvalidRequest(`claims.${target} must be an object`);
    for (const [name, spec] of Object.entries(members)) {
      if (spec !== null && !isObject(spec)) throw new InvalidRequest(`claims.${target}.${name} must be null or an object`);
      if (isObject(spec) && spec.essential !== undefined && typeof spec.essential !== 'boolean') throw new InvalidRequest(`claims.${target}.${name}.essential must be a boolean`);
      if (isObject(spec) && spec.values !== undefined && !Array.isArray(spec.values)) throw new InvalidRequest(`claims.${target}.${name}.values must be an array`);
    }
    out[target] = members as Record<string, ClaimSpec>;
  }
  // Fault claims-parameter-ignored: the request is validated, then dropped.
  return ctx.faults.on('claims-parameter-ignored') ? undefined : out;
}

// OIDC Core §5.4: each of profile, email, address and phone releases its standard claims.
export function scopeClaims(ctx: ProviderContext, scope: string, user: UserConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (ctx.faults.on('scope-claims-missing')) return out;
  for (const s of scope.split(' ')) for (const c of SCOPE_CLAIMS[s] ?? []) if (user.claims[c] !== undefined) out[c] = user.claims[c];
  return out;
}

// OIDC Core §5.5: the named claims the End-User has (essential or voluntary alike: we hold them all).
export function requestedClaims(requested: Record<string, ClaimSpec> | undefined, user: UserConfig): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const name of Object.keys(requested ?? {})) if (user.claims[name] !== undefined) out[name] = user.claims[name];
  return out;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
