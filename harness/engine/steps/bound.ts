// `with.bound: true` on a step that gets or uses an access token: the proof of possession the
// plan's `sender_constrain` variant names, so one flow serves every variant of a FAPI 2.0 plan
// (FAPI 2.0 Security Profile §5.3.2.1: the AS supports DPoP (RFC 9449) or mTLS (RFC 8705) sender
// constraining; the OIDF plan's sender_constrain variant). It is resolved before the step runs:
// - dpop: a valid DPoP proof (`with.dpop: true`, unless the step gives its own proof options);
// - mtls: the client's TLS certificate (presented whenever the plan client has one) and, where the
//   step issues tokens, the access token must name it (`with.certificate_bound: true`, §3.1);
// - none or unset: bearer, as without `bound`.
import type { StepDef } from '../../core/types.ts';

/** Steps whose `with` takes certificate_bound (they issue tokens). */
const ISSUES_TOKENS = new Set(['token', 'refresh', 'client-credentials', 'password', 'resource-token']);

export function resolveBound(step: StepDef, variants: Record<string, string> | undefined): StepDef {
  if (step.with?.bound === undefined) return step;
  const { bound, ...w } = step.with;
  if (bound !== true) return { ...step, with: w };
  const sc = variants?.sender_constrain;
  if (sc === 'dpop') return { ...step, with: { ...w, dpop: w.dpop ?? true } };
  if (sc === 'mtls' && ISSUES_TOKENS.has(step.do)) return { ...step, with: { ...w, certificate_bound: w.certificate_bound ?? true } };
  return { ...step, with: w };
}
