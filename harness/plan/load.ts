// Reading a plan: YAML -> schema -> meaning (the module checks are in engine/load-plan.ts). Every problem becomes one PlanError line naming the
// file and the path inside it, e.g. `plans/x.yaml: /modules/2: unknown module id "pkce-plian"`.
import { variantProblems } from './variants.ts';
import { expandRaw, type Combination } from './matrix.ts';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, relative, resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import type { Plan } from '../core/types.ts';
import { isLoopbackHost } from '../core/net.ts';
import { validateShape } from './validate.ts';

export class PlanError extends Error {
  override name = 'PlanError';
}

/** A function that throws one PlanError line naming the plan file: `<shown path>: <msg>`. */
export function planFailer(file: string): (msg: string) => never {
  const shown = relative(process.cwd(), resolve(file)) || file;
  return (msg: string): never => {
    throw new PlanError(`${shown}: ${msg}`);
  };
}

/**
 * The plan's YAML, its shape (plan.schema.json) and what its fields mean on their own. Whether its
 * modules, expected failures and severities name real modules, checks and rules needs the module
 * catalog: harness/engine/load-plan.ts (loadPlan) adds that, and is what callers use.
 */
export async function readPlan(file: string): Promise<Plan> {
  const fail = planFailer(file);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return fail(code === 'ENOENT' ? 'no such file' : `cannot read: ${code ?? (err as Error).message}`);
  }
  const lines = new LineCounter();
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: false, lineCounter: lines });
  if (doc.errors.length) {
    const e = doc.errors[0];
    return fail(`not valid YAML at line ${lines.linePos(e.pos[0]).line}: ${e.message.split('\n')[0]}`);
  }
  const raw = doc.toJS({ maxAliasCount: 100 }) as unknown;
  const problems = validateShape(raw);
  if (problems.length) return fail(problems[0]);
  const listed = Object.values((raw as Plan).variants ?? {}).some(Array.isArray);
  if (!listed && !(raw as { matrix?: unknown }).matrix) {
    const plan = raw as Plan;
    plan.file = resolve(file);
    checkMeaning(plan, fail);
    return plan;
  }
  return readMatrix(raw as Record<string, unknown>, file, fail);
}

/**
 * A plan with a variant matrix (harness/plan/matrix.ts): every listed value known, every override
 * for a listed value, then each combination's concrete plan checked as a plan on its own (its
 * problems name the combination). Returns the first combination's plan with `matrix` set.
 */
function readMatrix(raw: Record<string, unknown>, file: string, fail: (msg: string) => never): Plan {
  for (const [name, v] of Object.entries((raw.variants ?? {}) as Record<string, string | string[]>)) {
    if (!Array.isArray(v)) continue;
    v.forEach((value, i) => {
      for (const problem of variantProblems({ [name]: value }, '/variants')) fail(problem.replace(`/variants/${name}:`, `/variants/${name}/${i}:`));
    });
  }
  const expanded = expandRaw(raw);
  if ('problems' in expanded) return fail(expanded.problems[0]!);
  const combinations: Combination[] = expanded.combinations.map((c) => {
    const at = (msg: string): never => fail(c.key ? `combination ${c.key}: ${msg}` : msg);
    const problems = validateShape(c.raw);
    if (problems.length) at(problems[0]!);
    const plan = c.raw as unknown as Plan;
    plan.file = resolve(file);
    checkMeaning(plan, at);
    return { key: c.key, variants: c.variants, plan };
  });
  return { ...combinations[0]!.plan, matrix: { dimensions: expanded.dimensions, combinations } };
}

/** Fields only a `launch: container` provider takes. */
const CONTAINER_FIELDS = ['image', 'port', 'ready_path', 'env', 'command', 'config_file', 'issuer_path', 'start_timeout'] as const;

function checkContainer(plan: Plan, fail: (msg: string) => never): void {
  const p = plan.provider;
  if (!p.image) fail('/provider/image is required when launch is container');
  if (p.port === undefined) fail('/provider/port (the port the provider listens on inside the container) is required when launch is container');
  if (p.issuer) fail('/provider/issuer does not apply when launch is container: the issuer is http://127.0.0.1:<published port> plus /provider/issuer_path');
  if (p.faults?.length) fail('/provider/faults only applies when launch is process (for the reference image, set TOUCHSTONE_FAULTS in /provider/env)');
  if (p.config !== undefined) fail('/provider/config only applies when launch is process (use /provider/config_file to copy a file into the container)');
  if (p.config_file) {
    const source = resolve(plan.file ? dirname(plan.file) : process.cwd(), p.config_file.source);
    if (!existsSync(source) || !statSync(source).isFile()) fail(`/provider/config_file/source: no such file ${p.config_file.source} (relative to the plan file)`);
  }
}

/** Fields a `launch: command` provider takes besides issuer, ttl and env. */
const COMMAND_FIELDS = ['command', 'ready_path', 'env', 'start_timeout'] as const;

function checkCommand(plan: Plan, fail: (msg: string) => never): void {
  const p = plan.provider;
  if (!p.command?.length) fail('/provider/command (the program and its arguments) is required when launch is command');
  if (!p.issuer) fail('/provider/issuer is required when launch is command (use ${port} for the port the harness picks)');
  const extra = CONTAINER_FIELDS.find((f) => p[f] !== undefined && !(COMMAND_FIELDS as readonly string[]).includes(f));
  if (extra) fail(`/provider/${extra} only applies when launch is container`);
  if (p.faults?.length) fail('/provider/faults only applies when launch is process (a command provider has no fault switches)');
  if (p.config !== undefined) fail('/provider/config only applies when launch is process');
  let host = '';
  try {
    host = new URL(p.issuer!.replaceAll('${port}', '1')).hostname;
  } catch {
    fail(`/provider/issuer ${p.issuer} is not a URL`);
  }
  if (!isLoopbackHost(host)) fail(`/provider/issuer host ${host} is not on loopback; Touchstone only sends traffic to loopback hosts`);
}

function checkMeaning(plan: Plan, fail: (msg: string) => never): void {
  const p = plan.provider;
  if (p.launch === 'container') {
    checkContainer(plan, fail);
  } else if (p.launch === 'command') {
    checkCommand(plan, fail);
  } else {
    const extra = CONTAINER_FIELDS.find((f) => p[f] !== undefined);
    if (extra) fail(`/provider/${extra} only applies when launch is container or command`);
  }
  if (p.launch === 'container' || p.launch === 'command') {
    // checked above
  } else if (p.launch === 'external') {
    if (!p.issuer) fail('/provider/issuer is required when launch is external');
    if (p.faults?.length) fail('/provider/faults only applies when launch is process (an external provider has no fault switches)');
    if (p.config !== undefined) fail('/provider/config only applies when launch is process');
    let host = '';
    try {
      host = new URL(p.issuer!).hostname;
    } catch {
      fail(`/provider/issuer ${p.issuer} is not a URL`);
    }
    if (!isLoopbackHost(host)) fail(`/provider/issuer host ${host} is not on loopback; Touchstone only sends traffic to loopback hosts`);
  } else if (p.issuer) {
    fail('/provider/issuer only applies when launch is external (a process provider gets its issuer when it starts)');
  }
  checkInstances(plan, fail);
  for (const [name, c] of Object.entries(plan.clients)) {
    const at = `/clients/${name}`;
    if ((c.auth === 'client_secret_basic' || c.auth === 'client_secret_post') && !c.secret) fail(`${at}/secret is required for auth ${c.auth}`);
    if (c.auth === 'private_key_jwt' && !c.jwk) fail(`${at}/jwk (a private JWK) is required for auth private_key_jwt`);
    if (c.auth === 'private_key_jwt' && c.jwk && typeof c.jwk.d !== 'string') fail(`${at}/jwk must be a private key (it has no "d")`);
    if (c.resource_target !== undefined && !plan.resource?.targets[c.resource_target]) fail(`${at}/resource_target: no target "${c.resource_target}" in /resource/targets (the API whose identifier the client asks for, RFC 8707)`);
  }
  for (const problem of variantProblems(plan.variants)) fail(problem);
  if (!plan.clients.main) fail('/clients/main is required: modules run as the client named "main"');
  // The resource target's token comes from a plan client; signing_key provider-config needs a process provider with keys.
  if (plan.resource) {
    const r = plan.resource;
    if (!plan.clients[r.token.client]) fail(`/resource/token/client: no client "${r.token.client}" in /clients (the client that gets valid tokens for the API)`);
    if (r.signing_key === 'provider-config' && (p.launch !== 'process' || p.config === undefined)) fail('/resource/signing_key: provider-config needs launch process with a provider config that has keys');
    for (const [name, t] of Object.entries(r.targets)) {
      if (t.url.startsWith('${issuer}')) continue;
      const host = new URL(t.url).hostname;
      if (!isLoopbackHost(host)) fail(`/resource/targets/${name}/url host ${host} is not on loopback; Touchstone only sends traffic to loopback hosts`);
    }
  }
  // ---- operations (issue 11 §3): absolute URLs on loopback, or under ${issuer}.
  for (const [name, op] of Object.entries(plan.operations ?? {})) {
    if (!op || op.url.startsWith('${issuer}')) continue;
    if (!URL.canParse(op.url)) fail(`/operations/${name}/url must be an absolute URL or start with \${issuer}`);
    const host = new URL(op.url).hostname;
    if (!isLoopbackHost(host)) fail(`/operations/${name}/url host ${host} is not on loopback; Touchstone only sends traffic to loopback hosts`);
  }
  if (!plan.users.main) fail('/users/main is required: modules log in as the user named "main"');
}

/**
 * `provider.instances`: a count for `launch: process` or `command` (with a store they share), a list of loopback
 * URLs for `launch: external`; `variants.instances: several` exactly when there are several.
 */
function checkInstances(plan: Plan, fail: (msg: string) => never): void {
  const p = plan.provider;
  const n = p.instances;
  if (typeof n === 'number') {
    if (p.launch !== 'process' && p.launch !== 'command') fail(`/provider/instances: a count applies when launch is process or command (the harness starts that many); for a provider you run, list the base URL of each instance`);
    if (p.launch === 'command') {
      if (!p.issuer?.includes('${port}')) fail('/provider/instances: with launch: command, /provider/issuer must contain ${port} (each instance gets its own port; all serve the first one\'s issuer)');
      if (!p.shared_store) fail(`/provider/instances: ${n} instances of a command need a store they share: set /provider/shared_store: redis (the harness starts a private redis-server and passes \${redis_url} to the command)`);
    }
    const store = typeof p.config === 'object' ? (p.config as { store?: { type?: unknown } }).store : undefined;
    if (p.launch === 'process' && !p.shared_store && typeof p.config !== 'string' && store?.type !== 'redis') {
      fail(`/provider/instances: ${n} instances need a store they share: set /provider/shared_store: redis (the harness starts a private redis-server) or a provider config store { type: redis, url }`);
    }
    if (p.shared_store && store !== undefined) fail('/provider/shared_store: the provider config sets its own store; keep one of the two');
  } else if (Array.isArray(n)) {
    if (p.launch !== 'external') fail('/provider/instances: a list of URLs applies when launch is external (for launch: process give a count)');
    n.forEach((u, i) => {
      if (!URL.canParse(u)) fail(`/provider/instances/${i} ${u} is not a URL`);
      const host = new URL(u).hostname;
      if (!isLoopbackHost(host)) fail(`/provider/instances/${i} host ${host} is not on loopback; Touchstone only sends traffic to loopback hosts`);
    });
  }
  if (p.shared_store && typeof n !== 'number') fail('/provider/shared_store only applies with launch: process or command and a count of /provider/instances');
  const several = n !== undefined;
  const variant = plan.variants?.instances;
  if (variant === 'several' && !several) fail('/variants/instances: several needs /provider/instances (a count for launch: process, or the instances\' URLs for launch: external)');
  if (several && variant !== 'several') fail('/variants/instances must be several when /provider/instances is set (the modules that split races across instances apply then)');
}
