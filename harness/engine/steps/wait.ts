// Waiting, only as long as the provider says: a fixed number of seconds the module names (e.g.
// "reuse after one second"), or until a code is past the provider's own code TTL.
import type { StepDef } from '../../core/types.ts';
import { NotApplicable, StepSkip, type ModuleRun } from '../module-run.ts';
import { enumOf, options, STEP_REF } from './options.ts';

/** Margin past a TTL, so a provider that checks `now > exp` with whole seconds sees it expired. */
export const EXPIRY_MARGIN_MS = 1100;

/** The longest wait a plan allows (settings.max_wait_s, default 60 s): an expiry past it is not waited for. */
export function maxWait(run: ModuleRun): number {
  return run.ctx.plan.settings?.max_wait_s ?? 60;
}

export async function wait(run: ModuleRun, step: StepDef): Promise<void> {
  const w = step.with ?? {};
  let until: number;
  if (w.for === 'code_ttl') {
    const ttl = run.ctx.ttl.code;
    if (ttl === undefined) throw new NotApplicable('needs plan provider.ttl.code (the code TTL to wait for)');
    if (ttl > maxWait(run)) throw new StepSkip(`the provider's code TTL is ${ttl} s, longer than settings.max_wait_s (${maxWait(run)} s): set a shorter TTL, or raise max_wait_s, to test expiry`);
    const authz = run.output('authorize', w.from as string | undefined);
    until = (authz.receivedAt ?? Date.now()) + ttl * 1000 + EXPIRY_MARGIN_MS;
  } else if (w.for === 'request_uri') {
    // RFC 9126 §2.2: the request_uri lives expires_in seconds, as the PAR response said.
    const par = run.output('par', w.from as string | undefined);
    if (par.expiresIn === undefined) throw new StepSkip('the PAR response gave no expires_in to wait for');
    if (par.expiresIn > maxWait(run)) throw new StepSkip(`the request_uri lives ${par.expiresIn} s, longer than settings.max_wait_s (${maxWait(run)} s): set a shorter PAR TTL, or raise max_wait_s, to test expiry`);
    until = (par.receivedAt ?? Date.now()) + par.expiresIn * 1000 + EXPIRY_MARGIN_MS;
  } else {
    const seconds = Number(w.seconds ?? 1);
    until = Date.now() + Math.max(0, Math.min(seconds, maxWait(run))) * 1000;
  }
  const ms = until - Date.now();
  await run.sleep(ms);
}

/** `with` of `wait`. */
export const waitOptions = options({ for: enumOf('code_ttl', 'request_uri'), from: STEP_REF, seconds: { type: 'number', minimum: 0 } });
