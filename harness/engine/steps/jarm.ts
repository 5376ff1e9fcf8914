// JARM on the client side: find the `response` JWT where the requested mode puts it (JARM §2.3),
// decode it, verify its signature against the OP's JWKS from discovery (jose; JARM §2.4 step 5),
// judge it (checks/jarm.ts), and hand its claims on as the authorization response parameters,
// as a client that follows JARM §2.4 processes code, state and error only after these checks.
import { compactVerify, createLocalJWKSet, decodeJwt, decodeProtectedHeader, type JWK } from 'jose';
import { isJarmMode, jarmChannel, jarmChecks, jarmResponseInMode, jarmResponseParams, type JarmEvidence, type JarmMode } from '../../checks/index.ts';
import type { ModuleRun } from '../module-run.ts';
import { fetchJwks } from './metadata.ts';

/**
 * The JARM mode the authorization request used: `with.response_mode`, the pushed one (PAR), or,
 * under the plan variant `response_mode: jarm`, "jwt" (JARM §2.3.4) when the step names none.
 */
export function jarmModeOf(run: ModuleRun, explicit: unknown, pushed?: Record<string, string>): JarmMode | undefined {
  if (isJarmMode(explicit)) return explicit;
  if (explicit !== undefined) return undefined;
  if (pushed) return isJarmMode(pushed.response_mode) ? pushed.response_mode : undefined;
  return jarmVariantMode(run);
}

/** Under the plan variant `response_mode: jarm`: the mode authorization requests send when a step names none. */
export function jarmVariantMode(run: ModuleRun): JarmMode | undefined {
  return run.ctx.plan.variants?.response_mode === 'jarm' ? 'jwt' : undefined;
}

function partsOf(url: string, form: Record<string, string> | undefined) {
  const u = new URL(url);
  return { method: form ? 'POST' as const : 'GET' as const, query: [...u.searchParams.keys()], fragment: [...new URLSearchParams(u.hash.slice(1)).keys()], form: Object.keys(form ?? {}) };
}

/**
 * Judge the JARM response that reached the redirect_uri. Returns the JWT's claims as the response
 * parameters, or undefined when no `response` came in the mode's channel (only the mode check is
 * added then; the caller decodes whatever plain parameters came).
 */
export async function judgeJarm(
  run: ModuleRun,
  stepId: string,
  landing: { url: string; form?: Record<string, string> },
  mode: JarmMode,
  p: { clientId: string; sentState?: string; fapi: boolean },
): Promise<Record<string, string> | undefined> {
  const parts = partsOf(landing.url, landing.form);
  const u = new URL(landing.url);
  const found = { query: u.searchParams.get('response') ?? undefined, fragment: new URLSearchParams(u.hash.slice(1)).get('response') ?? undefined, form: landing.form?.response };
  // The JWT where the mode puts it, else wherever it came (jarmResponseInMode then fails, JARM §2.3).
  const jwt = found[jarmChannel(mode)] ?? found.query ?? found.fragment ?? found.form;
  const advertised = Array.isArray(run.discovery?.response_modes_supported) && (run.discovery.response_modes_supported as unknown[]).includes(mode);
  const base: JarmEvidence = { mode, advertised, ...parts, issuer: run.ctx.issuer, clientId: p.clientId, sentState: p.sentState, now: Math.floor(Date.now() / 1000) };
  if (!jwt) {
    // No JWT at all: plain parameters to a mode the OP does not advertise are "not supported" (the
    // mode check says so); to an advertised one, the response parameters are not in a JWT (§2.1).
    run.add(advertised ? jarmResponseParams(base) : jarmResponseInMode(base));
    return undefined;
  }
  let header: Record<string, unknown> | null = null;
  let claims: Record<string, unknown> | null = null;
  try {
    header = decodeProtectedHeader(jwt) as Record<string, unknown>;
    claims = decodeJwt(jwt) as Record<string, unknown>;
  } catch {
    // not a JWT: the checks say so
  }
  let verified = false;
  let error: string | undefined;
  if (header && claims && typeof header.alg === 'string' && header.alg.toLowerCase() !== 'none') {
    if (!run.jwks) await fetchJwks(run, stepId);
    try {
      await compactVerify(jwt, createLocalJWKSet(run.jwks as { keys: JWK[] }));
      verified = true;
    } catch (err) {
      error = `${(err as { code?: string }).code ?? 'error'}: ${(err as Error).message}`;
    }
  }
  const e: JarmEvidence = { ...base, header, claims, verified, error };
  for (const check of jarmChecks(p.fapi)) run.add(check(e));
  if (!claims) return {};
  // The response parameters are the JWT's string (and numeric) claims (JARM §2.1).
  return Object.fromEntries(Object.entries(claims).filter(([, v]) => typeof v === 'string' || typeof v === 'number').map(([k, v]) => [k, String(v)]));
}
