// The state of one module while it runs: its recorder (HTTP + browser), its findings, and what
// each step produced for later steps (a code, tokens, the discovery document).
import { randomBytes } from 'node:crypto';
import type { CitationId } from '../core/citations.ts';
import type { HttpExchange, RecordedResponse } from '../core/exchange.ts';
import type { Finding, Verdict } from '../core/finding.ts';
import type { ModuleDef, PlanClient, PlanUser, StepDef, StepExpect } from '../core/types.ts';
import { expectOutcome } from '../checks/expectation.ts';
import { BrowserSession } from './browser.ts';
import { describeExchangeFailure, HttpClient } from './http.ts';
import { operationUrl } from './operations.ts';
import { resourceOrigins } from './resource-target.ts';
import type { RunContext } from './runner.ts';
import type { ClientCert } from './client-certs.ts';

/** Stops the flow: a later step cannot run without what this one failed to produce. */
export class StepAbort extends Error {}
/** The module cannot run (e.g. the OP's token lives too long to wait for it): reported skipped. */
export class StepSkip extends Error {}
/** The plan says the module does not apply (it lacks a client, user, resource or operation the
 *  module needs): reported not applicable, with a reason naming the missing plan entry. */
export class NotApplicable extends StepSkip {}

export interface AuthorizeOutput {
  kind: 'authorize';
  client: string;
  params: Record<string, string>;
  verifier?: string;
  response?: Record<string, string>;
  receivedAt?: number;
}

export interface TokenOutput {
  kind: 'token';
  client: string;
  json?: Record<string, unknown>;
  accessToken?: string;
  refreshToken?: string;
  idToken?: string;
  idTokenClaims?: Record<string, unknown>;
  /** The nonce of the ID Token from the original authentication, carried along refreshes (OIDC Core §12.2). */
  originalNonce?: unknown;
}

/** A pushed authorization request (RFC 9126): what was pushed and the request_uri it gave. */
export interface ParOutput {
  kind: 'par';
  client: string;
  params: Record<string, string>;
  verifier?: string;
  requestUri?: string;
  expiresIn?: number;
  /** Epoch ms when the response arrived (expiry waits count from here). */
  receivedAt?: number;
}

export type StepOutput = AuthorizeOutput | TokenOutput | ParOutput | { kind: 'other' };

export type Metadata = Record<string, unknown>;

export class ModuleRun {
  readonly http: HttpClient;
  readonly findings: Finding[] = [];
  readonly outputs = new Map<string, StepOutput>();
  discovery?: Metadata;
  jwks?: { keys: Record<string, unknown>[] };
  /** The JWKS was fetched again after an unknown kid (once per module at most). */
  jwksRefetched = false;
  /** Clients this module registered itself (RFC 7591 `register` step), by role; they shadow plan clients. */
  readonly registeredClients = new Map<string, PlanClient>();
  private session?: Promise<BrowserSession>;
  /** Time spent opening the browser context and in deliberate waits (ModuleResult.timing). */
  readonly timing: { browserOpenMs?: number; waitMs: number } = { waitMs: 0 };
  readonly ctx: RunContext;
  readonly mod: ModuleDef;
  readonly evidenceDir: string;

  /** Gives the module's run slot back (its first deliberate wait does; see engine/slots.ts). */
  private readonly releaseSlot?: () => void;

  constructor(ctx: RunContext, mod: ModuleDef, evidenceDir: string, releaseSlot?: () => void) {
    this.ctx = ctx;
    this.releaseSlot = releaseSlot;
    this.mod = mod;
    this.evidenceDir = evidenceDir;
    const operationOrigins = Object.values(ctx.plan.operations ?? {}).flatMap((op) => {
      const u = op && operationUrl(op, ctx.issuer);
      return u && URL.canParse(u) ? [new URL(u).origin] : [];
    });
    // The provider's instances (plan provider.instances) are the plan's hosts too.
    const instanceOrigins = (ctx.instances ?? []).map((u) => new URL(u).origin);
    this.http = new HttpClient([new URL(ctx.issuer).origin, ...instanceOrigins, ...resourceOrigins(ctx.plan, ctx.issuer), ...operationOrigins], ctx.limits, { ca: ctx.ca });
  }

  add(...f: Finding[]): void {
    this.findings.push(...f);
  }

  /** Did the last recorded finding(s) all pass? */
  allOk(findings: Finding[]): boolean {
    return findings.every((f) => f.ok);
  }

  /** One finding per cited rule for an expectation the engine judged itself. */
  expectation(step: StepDef, check: string, v: Verdict, exchange?: string, fallback?: CitationId): Finding[] {
    const cites = citesOf(step.expect);
    const list = (cites.length ? cites : fallback ? [fallback] : []) as CitationId[];
    const out = list.map((c) => expectOutcome(c, check, v, exchange));
    this.add(...out);
    return out;
  }

  /** For a step expected to succeed that names the rule it proves: one finding per cited rule. */
  succeeded(step: StepDef, ok: boolean, message: string, exchange?: string): void {
    if (citesOf(step.expect).length === 0) return;
    this.expectation(step, `${step.id}-succeeds`, { ok, message, expected: 'success', actual: ok ? 'success' : message }, exchange);
  }

  client(role: string): PlanClient {
    const c = this.registeredClients.get(role) ?? this.ctx.plan.clients[role];
    if (!c) throw new NotApplicable(`needs plan clients.${role}`);
    return c;
  }

  user(role: string): PlanUser {
    const u = this.ctx.plan.users[role];
    if (!u) throw new NotApplicable(`needs plan users.${role}`);
    return u;
  }

  /** The issuer's metadata; fetched by a `discover` step earlier in the flow. */
  meta(): Metadata {
    if (!this.discovery) throw new StepAbort('no discovery document: the flow needs a discover step first');
    return this.discovery;
  }

  /**
   * RFC 8705: the TLS client certificate a step presents for the client `role`: the client's own
   * (plan certificate), none with `with.cert: none`, another client's with `with.cert: <role>`.
   */
  certFor(step: StepDef, role: string): ClientCert | undefined {
    const w = step.with?.cert;
    if (w === 'none') return undefined;
    const c = this.ctx.clientCerts?.[typeof w === 'string' ? w : role];
    if (typeof w === 'string' && !c) throw new NotApplicable(`needs a TLS client certificate for plan clients.${w} (certificate)`);
    return c;
  }

  /**
   * The URL of endpoint `name` for a step of client `role`: a client doing mutual TLS (it has a
   * certificate, or the step names one or none) uses the mtls_endpoint_aliases entry when the
   * provider publishes one (RFC 8705 §5: in preference to the conventional endpoint), else the
   * conventional endpoint (the aliases are OPTIONAL).
   */
  endpointFor(name: string, step: StepDef, role: string): string {
    const mtls = step.with?.cert !== undefined || this.ctx.clientCerts?.[role] !== undefined;
    const aliases = this.discovery?.mtls_endpoint_aliases as Record<string, unknown> | undefined;
    const alias = mtls && aliases && typeof aliases === 'object' ? aliases[name] : undefined;
    return typeof alias === 'string' && URL.canParse(alias) ? alias : this.endpoint(name);
  }

  endpoint(name: string): string {
    const v = this.meta()[name];
    if (typeof v !== 'string') throw new StepAbort(`discovery has no ${name}`);
    return v;
  }

  /** The response of a recorded exchange, or abort with why there is none. */
  response(ex: HttpExchange): RecordedResponse {
    const why = describeExchangeFailure(ex);
    if (why || !ex.response) throw new StepAbort(why ?? 'no response');
    return ex.response;
  }

  /** Whether an earlier step produced a result of this kind (e.g. an authorize step logged the End-User in). */
  hasOutput(kind: StepOutput['kind']): boolean {
    return [...this.outputs.values()].some((o) => o.kind === kind);
  }

  output<K extends StepOutput['kind']>(kind: K, from?: string): Extract<StepOutput, { kind: K }> {
    if (from) {
      const o = this.outputs.get(from);
      if (!o || o.kind !== kind) throw new StepAbort(`step "${from}" produced no ${kind} result`);
      return o as Extract<StepOutput, { kind: K }>;
    }
    const all = [...this.outputs.values()].filter((o) => o.kind === kind);
    const last = all[all.length - 1];
    if (!last) throw new StepAbort(`no earlier ${kind} step in the flow`);
    return last as Extract<StepOutput, { kind: K }>;
  }

  /** A deliberate wait (a TTL, a polling interval), counted in timing.waitMs. It frees the module's
   *  run slot: another module runs meanwhile, and this one goes on without waiting for a slot. */
  async sleep(ms: number): Promise<void> {
    if (ms <= 0) return;
    this.releaseSlot?.();
    const started = performance.now();
    await new Promise((r) => setTimeout(r, ms));
    this.timing.waitMs += Math.round(performance.now() - started);
  }

  browser(): Promise<BrowserSession> {
    this.session ??= (async () => {
      const started = performance.now();
      const { plan } = this.ctx;
      const user = plan.users.main;
      const clientOrigins = new Set<string>();
      for (const c of Object.values(plan.clients)) {
        for (const u of [c.redirect_uri, c.post_logout_redirect_uri]) if (u) clientOrigins.add(new URL(u).origin);
      }
      return BrowserSession.open(this.ctx.pool, {
        providerOrigins: [new URL(this.ctx.issuer).origin],
        clientOrigins: [...clientOrigins],
        interactions: plan.browser.interactions,
        pages: plan.browser.pages,
        vars: { 'user.username': user.username, 'user.password': user.password, 'client.client_id': plan.clients.main.client_id },
        evidenceDir: this.evidenceDir,
        secrets: this.ctx.secrets,
      }).finally(() => { this.timing.browserOpenMs = Math.round(performance.now() - started); });
    })();
    return this.session;
  }

  async close(): Promise<BrowserSession | undefined> {
    await this.http.close();
    if (!this.session) return undefined;
    const s = await this.session.catch(() => undefined);
    await s?.close();
    return s;
  }
}

export function citesOf(e?: StepExpect): string[] {
  if (!e?.cite) return [];
  return Array.isArray(e.cite) ? e.cite : [e.cite];
}

export function randomToken(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** The request parameters a step sends: built, then `drop`ped, then overridden by `params`. */
export function shapeParams(built: Record<string, string | undefined>, w: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(built)) if (v !== undefined) out[k] = v;
  for (const d of (w.drop as string[] | undefined) ?? []) if (!d.startsWith('header:')) delete out[d];
  for (const [k, v] of Object.entries((w.params as Record<string, unknown> | undefined) ?? {})) {
    if (v === null || v === undefined) delete out[k];
    else out[k] = String(v);
  }
  return out;
}

/** Headers after `drop: [header:name]` and `headers:` overrides. */
export function shapeHeaders(built: Record<string, string | undefined>, w: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(built)) if (v !== undefined) out[k.toLowerCase()] = v;
  for (const d of (w.drop as string[] | undefined) ?? []) if (d.startsWith('header:')) delete out[d.slice(7).toLowerCase()];
  for (const [k, v] of Object.entries((w.headers as Record<string, unknown> | undefined) ?? {})) {
    if (v === null || v === undefined) delete out[k.toLowerCase()];
    else out[k.toLowerCase()] = String(v);
  }
  return out;
}

/** `expect.error` / `expect.status` judged against a back-channel response. */
export function judgeErrorResponse(expect: StepExpect, res: RecordedResponse, defaultStatus: number[]): Verdict {
  const statuses = expect.status ?? defaultStatus;
  const json = res.json as { error?: unknown } | undefined;
  const error = typeof json?.error === 'string' ? json.error : undefined;
  const want = { status: statuses, ...(expect.error ? { error: expect.error } : {}) };
  const got = { status: res.status, ...(expect.error ? { error: error ?? null } : {}) };
  if (!statuses.includes(res.status)) {
    return { ok: false, message: `expected HTTP ${statuses.join(' or ')}, got ${res.status}${error ? ` (error=${error})` : ''}`, expected: want, actual: got };
  }
  if (expect.error && (!error || !expect.error.includes(error))) {
    return { ok: false, message: `expected error ${expect.error.join(' or ')}, got ${error ?? 'no error member'}`, expected: want, actual: got };
  }
  return { ok: true, message: `refused as expected: HTTP ${res.status}${error ? ` error=${error}` : ''}`, expected: want, actual: got };
}
