// Runs one module: resolve its steps, run them in order against the target, collect exchanges and
// findings, and decide passed / failed / warning / skipped / not applicable. Never throws.
import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { asDeclared, findingCitation, weight, withSeverity, type Finding } from '../core/finding.ts';
import { secretsOf } from '../core/mask.ts';
import type { ExpectedFailure, ModuleDef, ModuleResult, ModuleStatus, Plan, StepDef } from '../core/types.ts';
import { BrowserPool } from './browser.ts';
import { applicability, loadCatalog, moduleMatcher, resolveSteps, stepsInPlan, type Catalog } from './catalog.ts';
import { DEFAULT_LIMITS, type HttpLimits } from './http.ts';
import type { ClientCert } from './client-certs.ts';
import { resolveBound } from './steps/bound.ts';
import { interpolateStep } from './interpolate.ts';
import { ModuleRun, NotApplicable, StepAbort, StepSkip } from './module-run.ts';
import { notificationWaiter, type NotificationAccess, type NotificationWaiter } from './notification-server.ts';
import { missingOperation } from './operations.ts';
import { Slots } from './slots.ts';
import { STEP_RUNNERS as STEPS, usesBrowser } from './steps/index.ts';

export interface RunContext {
  plan: Plan;
  catalog: Catalog;
  issuer: string;
  ttl: { code?: number };
  /** Several instances of the provider (Target.instances): their base URLs. */
  instances?: string[];
  /** The CA PEM the back channel trusts for an https issuer (Target.ca). */
  ca?: string;
  /** The plan clients' TLS client certificates by role (Target.clientCerts, RFC 8705). */
  clientCerts?: Record<string, ClientCert>;
  runDir: string;
  pool: BrowserPool;
  /** The pool was passed in by the caller, who closes it. */
  sharedPool: boolean;
  secrets: string[];
  limits: HttpLimits;
  /** The run's CIBA ping notification endpoint (Target.callback), when the plan has one. */
  callback?: NotificationWaiter;
  /** Set once the provider stopped answering (connection refused): later modules are not run. */
  down?: string;
  /** With `workers`: at most that many modules run between their waits (a wait frees the slot). */
  slots?: Slots;
  /** A matrix run's combination this context runs (harness/plan/matrix.ts): results are `<id>[<key>]`. */
  combination?: { key: string; variants: Record<string, string> };
}

export async function createRunContext(
  plan: Plan,
  target: { issuer: string; ttl: { code?: number }; instances?: string[]; ca?: string; callback?: NotificationWaiter | NotificationAccess; clientCerts?: Record<string, ClientCert> },
  opts: {
    runDir: string; workers?: number; pool?: BrowserPool; preloadBrowser?: boolean;
    /** Run slots shared with the contexts of the other combinations of a matrix run (instead of `workers`). */
    slots?: Slots;
    combination?: { key: string; variants: Record<string, string> };
  },
): Promise<RunContext> {
  if (opts.preloadBrowser !== false) await BrowserPool.preload();
  return {
    plan,
    catalog: loadCatalog(plan),
    issuer: target.issuer.replace(/\/$/, ''),
    ttl: target.ttl,
    ...(target.instances ? { instances: target.instances } : {}),
    ...(target.ca ? { ca: target.ca } : {}),
    ...(target.clientCerts ? { clientCerts: target.clientCerts } : {}),
    // In the CLI's worker the server runs in the parent process: reached over its control path.
    ...(target.callback ? { callback: 'waitFor' in target.callback ? target.callback : notificationWaiter(target.callback, target.ca) } : {}),
    runDir: opts.runDir,
    pool: opts.pool ?? new BrowserPool(),
    sharedPool: !!opts.pool,
    // The client certificates' private keys are secrets too (never in a report).
    secrets: [...new Set([...secretsOf(plan), ...Object.values(target.clientCerts ?? {}).map((c) => c.keyPem)])],
    ...(opts.slots ? { slots: opts.slots } : opts.workers ? { slots: new Slots(opts.workers) } : {}),
    ...(opts.combination?.key ? { combination: opts.combination } : {}),
    limits: {
      timeoutMs: plan.settings?.timeout_ms ?? DEFAULT_LIMITS.timeoutMs,
      maxBodyBytes: plan.settings?.max_body_bytes ?? DEFAULT_LIMITS.maxBodyBytes,
      maxJsonDepth: DEFAULT_LIMITS.maxJsonDepth,
    },
  };
}

export async function closeRunContext(ctx: RunContext): Promise<void> {
  if (!ctx.sharedPool) await ctx.pool.close();
}

/** Where a step needs a client, user, resource or operation the plan lacks, the module does not apply. */
function missingPlanData(steps: StepDef[], plan: Plan): string | undefined {
  const roles = missingRoles(steps, plan);
  if (roles) return roles;
  const op = missingOperation(steps, plan);
  if (op) return op;
  // Registration metadata is plan data (what each OP accepts differs: OIDC Registration §2, RFC 7591 §2).
  const from = steps.map((s) => s.with?.metadata_from).find((m) => typeof m === 'string' && !plan.registration_metadata?.[m]);
  if (from) return `needs plan registration_metadata.${from as string}`;
  // A protected resource to call is plan data; there is no default (issue 11 §3).
  const r = steps.find((s) => RESOURCE_STEPS.includes(s.do));
  if (r && !plan.resource) return `needs plan resource (a protected resource for the ${r.do} step)`;
  // An interaction the module expects shown (or not shown) is a plan role: without it the
  // expectation would hold for the wrong reason.
  const names = new Set(plan.browser.interactions.map((i) => i.name));
  for (const s of steps) {
    const i = s.expect?.interaction;
    const missing = [...(i?.shown ?? []), ...(i?.not_shown ?? [])].find((n) => !names.has(n));
    if (missing) return `needs plan browser.interactions named "${missing}"`;
  }
  return undefined;
}

const RESOURCE_STEPS = ['resource-token', 'resource', 'resource-metadata'];

function missingRoles(steps: StepDef[], plan: Plan): string | undefined {
  // Roles a `register` step of the module creates itself (RFC 7591) need no plan client.
  const registered = new Set(steps.filter((s) => s.do === 'register' && (s.with?.op ?? 'create') === 'create').map((s) => (s.with?.as as string | undefined) ?? 'registered'));
  for (const s of steps) {
    const c = s.with?.client;
    if (typeof c === 'string' && !plan.clients[c] && !registered.has(c)) return `needs plan clients.${c}`;
    const u = s.with?.user;
    if (typeof u === 'string' && !plan.users[u]) return `needs plan users.${u}`;
  }
  return undefined;
}

export function describeFinding(f: Finding): string {
  const ev = f.expected !== undefined || f.actual !== undefined ? ` (expected ${JSON.stringify(f.expected)}, actual ${JSON.stringify(f.actual)})` : '';
  return `[${f.check}] ${findingCitation(f)}: ${f.message}${ev}`;
}

const stepsUseBrowser = (steps: StepDef[]) => steps.some((s) => usesBrowser(s.do));

/** Does any step of the module drive the browser? */
export function needsBrowser(mod: ModuleDef, catalog: Catalog): boolean {
  try {
    return stepsUseBrowser(resolveSteps(mod, catalog));
  } catch {
    return false;
  }
}

/** Step kinds that wait on the provider by polling (intervals, expiries). */
const POLLING_STEPS = new Set(['device-token', 'ciba-token']);

/**
 * The order a run starts its modules in: those that wait longest on the provider first (a `wait`
 * step's seconds or TTL, a polling step), so their waits overlap the other modules instead of
 * trailing at the end of the run; otherwise the catalog order.
 */
export function startOrder(mods: ModuleDef[], catalog: Catalog, plan: Plan): ModuleDef[] {
  const waits = (mod: ModuleDef): number => {
    let steps: StepDef[];
    try {
      steps = resolveSteps(mod, catalog);
    } catch {
      return 0;
    }
    return steps.reduce((sum, s) => {
      if (POLLING_STEPS.has(s.do)) return sum + 5;
      if (s.do !== 'wait') return sum;
      const w = s.with ?? {};
      if (typeof w.seconds === 'number') return sum + w.seconds;
      return sum + (w.for === 'code_ttl' ? plan.provider.ttl?.code ?? 5 : 5);
    }, 0);
  };
  const keyed = mods.map((m, i) => ({ m, i, w: waits(m) }));
  return keyed.sort((a, b) => b.w - a.w || a.i - b.i).map((k) => k.m);
}

/** Run one module in a slot of the run (see Slots): its time is counted from when it got one. */
export async function runModule(ctx: RunContext, mod: ModuleDef): Promise<ModuleResult> {
  // A browser the run is still starting is waited for without a slot: back-channel modules run
  // meanwhile instead of every slot waiting on Chromium's launch.
  if (needsBrowser(mod, ctx.catalog)) await ctx.pool.starting();
  const release = await ctx.slots?.take();
  try {
    return await runModuleNow(ctx, mod, release);
  } finally {
    release?.();
  }
}

async function runModuleNow(ctx: RunContext, mod: ModuleDef, release?: () => void): Promise<ModuleResult> {
  const started = performance.now();
  const startedAt = new Date().toISOString();
  // In a matrix run the result is the module's in this combination: `<id>[<key>]`.
  const c = ctx.combination;
  const id = c ? `${mod.id}[${c.key}]` : mod.id;
  const evidenceDir = join(ctx.runDir, 'evidence', id);
  const base = { id, ...(c ? { module: mod.id, combination: c.variants } : {}), title: mod.title, counterpart: mod.counterpart, proves: mod.proves, startedAt, evidenceDir };
  const done = (status: ModuleStatus, rest: Partial<ModuleResult> = {}): ModuleResult => ({
    ...base,
    status,
    findings: [],
    expectedFailures: [],
    exchanges: [],
    ms: Math.round(performance.now() - started),
    ...rest,
  });

  if (ctx.down) return done('failed', { reason: `not run: ${ctx.down}` });
  const app = applicability(mod, ctx.plan);
  if (!app.applies) return done(app.status, { reason: app.reason });
  let steps: StepDef[];
  try {
    steps = resolveSteps(mod, ctx.catalog);
  } catch (err) {
    return done('failed', { reason: `module definition: ${(err as Error).message}` });
  }
  const inPlan = stepsInPlan(steps, ctx.plan);
  if (inPlan.notApplicable) return done('not_applicable', { reason: inPlan.notApplicable });
  steps = inPlan.steps;
  const missing = missingPlanData(steps, ctx.plan);
  if (missing) return done('not_applicable', { reason: missing });

  mkdirSync(evidenceDir, { recursive: true });
  const run = new ModuleRun(ctx, mod, evidenceDir, release);
  let engineError: string | undefined;
  let skipReason: string | undefined;
  let skipStatus: ModuleStatus = 'skipped';
  /** The flow stopped with a StepAbort: index in run.findings of the aborting step's first finding. */
  let abortedAt: number | undefined;
  const stepTimes: NonNullable<ModuleResult['timing']>['steps'] = [];
  // A flow that will need the browser opens its context now, beside its first back-channel steps
  // (a failure surfaces in the step that uses it).
  if (stepsUseBrowser(steps)) run.browser().catch(() => {});
  for (const step of steps) {
    const before = run.findings.length;
    const t0 = performance.now();
    try {
      await STEPS[step.do](run, resolveBound(interpolateStep(run, step), ctx.plan.variants));
    } catch (err) {
      if (err instanceof StepSkip) {
        skipReason = err.message;
        if (err instanceof NotApplicable) skipStatus = 'not_applicable';
      }
      else if (err instanceof StepAbort) {
        engineError = `step "${step.id}": ${err.message}`;
        abortedAt = before;
      }
      else engineError = `step "${step.id}" crashed: ${(err as Error)?.message ?? String(err)}`;
      break;
    } finally {
      stepTimes.push({ id: step.id!, do: step.do, ms: Math.round(performance.now() - t0) });
    }
  }
  const session = await run.close();
  const exchanges = [...run.http.exchanges, ...(session?.hops ?? [])].sort((a, b) => a.startedAt.localeCompare(b.startedAt));
  if (!ctx.down && engineError && run.http.exchanges.some((x) => x.error?.startsWith('connection refused')) && !(await answers(ctx.issuer))) {
    ctx.down = `the provider at ${ctx.issuer} stopped answering (connection refused) during module ${mod.id}`;
    engineError = `${engineError}; ${ctx.down}`;
  }
  const [status, verdict] = judge(ctx.plan, mod, run.findings, { engineError, abortedAt, skipReason, skipStatus });
  const timing = {
    steps: stepTimes, ...run.timing,
    ...(session ? { browserMs: Math.round(session.busyMs) } : {}),
    httpMs: run.http.exchanges.reduce((sum, x) => sum + x.ms, 0),
  };
  return done(status, { ...verdict, exchanges, timing });
}

/** How the flow ended, as the step loop of runModule saw it. */
export interface FlowEnd {
  /** A step aborted (StepAbort) or crashed. */
  engineError?: string;
  /** With a StepAbort: the index of the aborting step's first finding. */
  abortedAt?: number;
  /** A step could not run (StepSkip / NotApplicable). */
  skipReason?: string;
  skipStatus?: ModuleStatus;
}

/**
 * The verdict of one module from its raw findings and how its flow ended. A failing finding decides
 * the module whatever happens after it: a failed MUST fails it, another failure warns, and a skip
 * (a step that could not run) can only replace a pass.
 */
export function judge(plan: Plan, mod: ModuleDef, raw: Finding[], end: FlowEnd): [ModuleStatus, Partial<ModuleResult>] {
  // A module that applies only by a plan variant judges an optional behaviour the plan says the OP
  // implements: a MAY it proves, not done, deviates from the plan (a warning), not "not supported".
  // Then the plan's severity overrides (plan `severity:`) set the level each finding is judged at.
  const declared = Object.keys(mod.applies ?? {}).length > 0;
  const judged = raw.map((x) => withSeverity(declared && mod.proves.includes(x.citation.id) ? asDeclared(x) : x, plan.severity));

  // Expected failures: a failed finding is hidden only when every field the entry gives matches.
  const entries = (plan.expected_failures ?? []).filter((x) => moduleMatcher([x.module])(mod));
  const hits = new Set<ExpectedFailure>();
  const findings: Finding[] = [];
  const expectedFailures: ModuleResult['expectedFailures'] = [];
  for (const f of judged) {
    const x = f.ok ? undefined : entries.find((e) => hides(e, f));
    if (x) {
      hits.add(x);
      expectedFailures.push({ ...f, reason: x.reason });
    } else findings.push(f);
  }

  // One rule for a flow that stopped early (a StepAbort): the stop is explained when the aborting
  // step recorded a failed finding (that finding, hidden or not, is the verdict, not the abort), or
  // when the last finding before the stop says the OP does not support an optional behaviour the
  // rest of the flow needs (information: nothing is left to check). Any other abort, and every
  // crash, fails the module.
  const { engineError, abortedAt, skipReason, skipStatus = 'skipped' } = end;
  const last = judged[judged.length - 1];
  const stoppedBy: 'finding' | 'not-supported' | undefined = engineError === undefined || abortedAt === undefined
    ? undefined
    : judged.slice(abortedAt).some((f) => !f.ok) ? 'finding' : last?.info ? 'not-supported' : undefined;

  const failedMust = findings.filter((f) => weight(f) === 'failure');
  const failedOther = findings.filter((f) => weight(f) === 'warning');
  const notSupported = last?.info ? last : findings.find((f) => f.info);
  let status: ModuleStatus = 'passed';
  let reason: string | undefined;
  if (failedMust.length) {
    status = 'failed';
    reason = describeFinding(failedMust[0]);
  } else if (engineError && !stoppedBy) {
    status = 'failed';
    reason = engineError;
  } else if (failedOther.length) {
    status = 'warning';
    reason = describeFinding(failedOther[0]);
  } else if (skipReason) {
    // A skip can only replace a pass: a failure or warning found before the step that could not run stands.
    status = skipStatus;
    reason = skipReason;
  } else if (judged.length === 0) {
    status = 'failed';
    reason = 'the module produced no findings: nothing was checked';
  } else if (stoppedBy === 'finding') {
    // Passed on an expected failure that stopped the flow: say where it stopped.
    reason = `stopped after an expected failure: ${engineError}`;
  } else if (notSupported) {
    reason = notSupported.message;
  }
  // An entry that selects this module but hid nothing, in a module that ran to a verdict: the
  // expected failure did not occur (fixed, or the entry no longer matches what fails), unless the
  // entry says the deviation is intermittent (a race that a run may not show).
  const ran = status === 'passed' || status === 'failed' || status === 'warning';
  const unmetExpectedFailures = ran
    ? entries.filter((e) => !hits.has(e) && !e.intermittent).map((e) => ({ module: mod.id, check: e.check, ...(e.rule ? { rule: e.rule } : {}), reason: e.reason }))
    : [];
  return [status, { reason, findings, expectedFailures, ...(unmetExpectedFailures.length ? { unmetExpectedFailures } : {}) }];
}

/** Does an expected_failures entry hide this failed finding? Every field it gives must match. */
function hides(e: ExpectedFailure, f: Finding): boolean {
  if (e.check !== f.check) return false;
  if (e.rule !== undefined && e.rule !== f.citation?.id) return false;
  if (e.message !== undefined && !new RegExp(e.message).test(f.message)) return false;
  return true;
}

/** Does anything still accept connections at the issuer's host and port? */
function answers(issuer: string): Promise<boolean> {
  const u = new URL(issuer);
  const port = Number(u.port || (u.protocol === 'https:' ? 443 : 80));
  return new Promise((res) => {
    const sock = connect({ host: u.hostname.replace(/^\[|\]$/g, ''), port, timeout: 2000 });
    const done = (ok: boolean) => {
      sock.destroy();
      res(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.once('timeout', () => done(false));
  });
}
