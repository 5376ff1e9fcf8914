// The plan's `resource` target (issue 7), resolved against the run's issuer: `${issuer}` in URLs
// and audiences is replaced. There is no default: a module that calls a resource is not applicable
// to a plan without `resource:` (the runner says so before it starts).
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { Plan, PlanResource } from '../core/types.ts';
import { NotApplicable } from './module-run.ts';

export interface ResolvedTarget { name: string; url: string; methods: string[]; audience: string }
export interface ResolvedResource extends Omit<PlanResource, 'targets'> { targets: Record<string, ResolvedTarget> }

const fill = (s: string, issuer: string) => s.replaceAll('${issuer}', issuer);

export function resolveResource(plan: Plan, issuer: string): ResolvedResource {
  const r = plan.resource;
  if (!r) throw new NotApplicable('needs plan resource (a protected resource to call)');
  const targets: Record<string, ResolvedTarget> = {};
  for (const [name, t] of Object.entries(r.targets)) {
    const url = fill(t.url, issuer);
    targets[name] = { name, url, methods: t.methods ?? ['GET'], audience: fill(t.audience ?? t.url, issuer) };
  }
  return { ...r, targets };
}

/** Origins the HTTP client may talk to besides the issuer: the resource targets'. */
export function resourceOrigins(plan: Plan, issuer: string): string[] {
  if (!plan.resource) return [];
  const out: string[] = [];
  for (const t of Object.values(resolveResource(plan, issuer).targets)) {
    try {
      out.push(new URL(t.url).origin);
    } catch {
      // an invalid URL is refused unsent by the HTTP client
    }
  }
  return out;
}

/** The private JWK the harness signs claim-forged tokens with, or undefined when the plan gives none. */
export function forgingKey(plan: Plan): Record<string, unknown> | undefined {
  const sk = plan.resource?.signing_key;
  if (!sk) return undefined;
  if (sk !== 'provider-config') return sk;
  let config = plan.provider.config;
  if (typeof config === 'string') {
    const file = resolve(plan.file ? dirname(plan.file) : process.cwd(), config);
    config = parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  }
  const keys = (config as { keys?: Record<string, unknown>[] } | undefined)?.keys ?? [];
  return keys.find((k) => k.alg === 'RS256') ?? keys[0];
}
