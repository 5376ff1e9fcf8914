// What plan.suite.ts hands to the reporters on each vitest test (task.meta.touchstone): the module's
// result, and the live progress line's fields. Everything in it is masked.
import type { ModuleDef, ModuleResult, ModuleStatus, StepDef } from '../core/types.ts';

export interface TouchstoneMeta {
  id: string;
  status: ModuleStatus;
  reason?: string;
  ms: number;
  counterpart?: string | string[];
  counts: { findings: number; failed: number; expectedFailures: number };
  /** Failing (non-ok) findings rendered one per line by formatFinding, MUST-level first. */
  failures: string[];
  /** The whole (masked) result: the reporters in the harness process write every report from it. */
  result: ModuleResult;
}

declare module 'vitest' {
  interface TaskMeta {
    touchstone?: TouchstoneMeta;
  }
}

/** Env contract between harness/run.ts (parent) and suites/plan.suite.ts (vitest worker): two files
 *  the parent writes and the suite waits for (vitest starts before the plan is loaded). */
export const ENV = {
  /** A file the run writes once the plan is loaded and checked: RunHandOver, or { error }. */
  runFile: 'TOUCHSTONE_RUN_FILE',
  /** A file the run writes once the provider answers: TargetEnv, or { error }. */
  targetFile: 'TOUCHSTONE_TARGET_FILE',
} as const;

/** What the suite runs (ENV.runFile). */
export interface RunHandOver {
  /** The plan file, as loaded. */
  plan: string;
  runDir: string;
  /** Unit ids, `<module id>[<combination>]` (harness/plan/matrix.ts). */
  ids: string[];
  workers: number;
  /** A selected module drives the browser: the suite starts Chromium before it reads the plan. */
  browser: boolean;
  /** touchstone replay: module definitions the suite adds to the plan's catalogue. */
  define?: ModuleDef[];
  /** The built-in catalog (suites/*.yaml) as the run loaded and checked it. */
  builtin: { modules: ModuleDef[]; flows: Record<string, StepDef[]> };
}

/** The hand-over file of a matrix run's provider group g (harness/plan/matrix.ts providerGroups):
 *  the ENV.targetFile for the first, target-<g>.json beside it for the others. */
export const targetFileOf = (first: string, g: number): string => (g === 0 ? first : `${first.replace(/[^/\\]*$/, '')}target-${g}.json`);

export interface TargetEnv {
  issuer: string;
  /** Seconds; code is unset when neither the plan nor the provider says. */
  ttl: { code?: number };
  faults: string[];
  /** Target.forgingKey: the run's generated signing key (worker env only, never in a report). */
  forgingKey?: Record<string, unknown>;
  /** Target.instances: the base URLs of several instances of the provider. */
  instances?: string[];
  /** Target.ca: the CA certificate PEM the back channel trusts (public, no key). */
  ca?: string;
  /** Target.callback: where the worker reaches the run's CIBA notification endpoint (worker env only). */
  callback?: { base: string; secret: string };
  /** Target.clientCerts: the plan clients' TLS client certificates with their keys (private hand-off file only, never in a report). */
  clientCerts?: Record<string, { certPem: string; keyPem: string; subject: string; thumbprint: string }>;
  /** Target.combinationCerts: the same for each other matrix combination this provider serves, by combination key. */
  combinationCerts?: Record<string, Record<string, { certPem: string; keyPem: string; subject: string; thumbprint: string }>>;
}
