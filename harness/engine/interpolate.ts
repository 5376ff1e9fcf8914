// `${…}` in a step's `with` values (issue 11 §3): suites name plan data, never a provider's own
// values. Resolved once, centrally, by the runner before a step reads its `with`:
//   ${client.<role>.<field>}  a plan client's (or a registered client's) client_id, redirect_uri, scope, ...
//   ${user.<role>.<field>}    a plan user's username, sub, ...
//   ${issuer}                 the run's issuer
//   ${authorization_details.<name>}  a plan authorization_details array (RFC 9396), as JSON text
// A role or field the plan lacks makes the module not applicable, naming the missing plan entry.
import type { StepDef } from '../core/types.ts';
import { NotApplicable, type ModuleRun } from './module-run.ts';

const PLACEHOLDER = /\$\{([A-Za-z_][\w-]*(?:\.[\w-]+)*)\}/g;

function lookup(run: ModuleRun, path: string): string {
  if (path === 'issuer') return run.ctx.issuer;
  const [kind, role, field, ...rest] = path.split('.');
  if (kind === 'authorization_details' && role && field === undefined) {
    const details = run.ctx.plan.authorization_details?.[role];
    if (!details) throw new NotApplicable(`needs plan authorization_details.${role}`);
    return JSON.stringify(details);
  }
  if ((kind === 'client' || kind === 'user') && role && field && rest.length === 0) {
    const plural = kind === 'client' ? 'clients' : 'users';
    const entry = (kind === 'client' ? run.registeredClients.get(role) ?? run.ctx.plan.clients[role] : run.ctx.plan.users[role]) as unknown as Record<string, unknown> | undefined;
    if (!entry) throw new NotApplicable(`needs plan ${plural}.${role}`);
    const v = entry[field];
    if (typeof v !== 'string' && typeof v !== 'number') throw new NotApplicable(`needs plan ${plural}.${role}.${field}`);
    return String(v);
  }
  throw new NotApplicable(`\${${path}} names no plan value (use \${client.<role>.<field>}, \${user.<role>.<field>} or \${issuer})`);
}

function fillValue(run: ModuleRun, v: unknown): unknown {
  if (typeof v === 'string') return v.includes('${') ? v.replace(PLACEHOLDER, (_, p: string) => lookup(run, p)) : v;
  if (Array.isArray(v)) return v.map((x) => fillValue(run, x));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillValue(run, x)]));
  return v;
}

/** The step with every `${…}` in its `with` replaced by plan data. */
export function interpolateStep(run: ModuleRun, step: StepDef): StepDef {
  if (!step.with) return step;
  return { ...step, with: fillValue(run, step.with) as Record<string, unknown> };
}
