// Out-of-band operations (issue 11 §3): what a module needs the OP to do outside any protocol
// (rotate its signing keys, answer a CIBA request in place of the End-User's device) is plan data,
// `operations.<name>`: method, URL, headers, bearer token, form or JSON body, with `${issuer}` and the
// operation's own placeholders. A module whose operation the plan does not describe is not applicable.
import type { Plan, PlanOperation, PlanOperations, StepDef } from '../core/types.ts';
import { NotApplicable, StepAbort, type ModuleRun } from './module-run.ts';

/** The operation each step kind needs. */
export const STEP_OPERATIONS: Record<string, keyof PlanOperations> = {
  'rotate-keys': 'rotate_keys',
  'ciba-decide': 'ciba_decide',
};

/** Why a module's steps cannot run with this plan's operations, or undefined. */
export function missingOperation(steps: StepDef[], plan: Plan): string | undefined {
  for (const s of steps) {
    const name = STEP_OPERATIONS[s.do];
    if (name && !plan.operations?.[name]) return `needs plan operations.${name} (how to make the OP ${name.replace('_', ' ')})`;
  }
  return undefined;
}

const PLACEHOLDER = /\$\{([A-Za-z_][\w.]*)\}/g;

/** `${name}` replaced from vars; undefined when a placeholder has no value. */
function fill(s: string, vars: Record<string, string | undefined>): string | undefined {
  let missing = false;
  const out = s.replace(PLACEHOLDER, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) missing = true;
    return v ?? '';
  });
  return missing ? undefined : out;
}

function fillDeep(v: unknown, vars: Record<string, string | undefined>): unknown {
  if (typeof v === 'string') return fill(v, vars);
  if (Array.isArray(v)) return v.map((x) => fillDeep(x, vars)).filter((x) => x !== undefined);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      const y = fillDeep(x, vars);
      if (y !== undefined) out[k] = y;
    }
    return out;
  }
  return v;
}

/** The operation's absolute URL for this run (for the HTTP client's allow-list). */
export function operationUrl(op: PlanOperation, issuer: string): string | undefined {
  return fill(op.url, { issuer });
}

/** Send the plan's operation `name`; abort unless it answers one of its success statuses. */
export async function runOperation(run: ModuleRun, step: StepDef, name: keyof PlanOperations, vars: Record<string, string | undefined>, label: string): Promise<void> {
  const op = run.ctx.plan.operations?.[name];
  if (!op) throw new NotApplicable(`needs plan operations.${name}`);
  const all = { ...vars, issuer: run.ctx.issuer };
  const url = fill(op.url, all);
  if (!url) throw new StepAbort(`operations.${name}.url has a placeholder this step gives no value for`);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(op.headers ?? {})) {
    const f = fill(v, all);
    if (f !== undefined) headers[k.toLowerCase()] = f;
  }
  if (op.bearer) headers.authorization = `Bearer ${op.bearer}`;
  let body: Record<string, string> | string | undefined;
  if (op.form) body = fillDeep(op.form, all) as Record<string, string>;
  else if (op.json) {
    body = JSON.stringify(fillDeep(op.json, all));
    headers['content-type'] ??= 'application/json';
  }
  const method = op.method ?? 'POST';
  const ex = await run.http.send(url, { step: step.id!, label, method, headers, ...(body !== undefined && method !== 'GET' ? { body } : {}) });
  const res = run.response(ex);
  const ok = op.status ? op.status.includes(res.status) : res.status >= 200 && res.status < 300;
  if (!ok) throw new StepAbort(`operations.${name} answered HTTP ${res.status} ${res.body.slice(0, 200)}`);
}
