// The shapes that flow through Touchstone: plan (data) -> modules (flows as data) -> exchanges ->
// findings -> module results -> reporters. Plan and module shapes mirror harness/plan/plan.schema.json.
import type { Finding } from './finding.ts';
import type { Level } from './citations.ts';
import type { Exchange } from './exchange.ts';

// ---------------------------------------------------------------- plan

export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt' | 'tls_client_auth' | 'self_signed_tls_client_auth' | 'none';

export interface PlanClient {
  client_id: string;
  auth: ClientAuthMethod;
  /** For client_secret_*; masked in every report. */
  secret?: string;
  /** Private JWK for private_key_jwt; masked in every report. */
  jwk?: Record<string, unknown>;
  redirect_uri: string;
  post_logout_redirect_uri?: string;
  /** Expected ID token alg (defaults to the provider's first id_token_signing_alg_values_supported). */
  id_token_alg?: string;
  scope?: string;
  /**
   * RFC 8707 §2: the plan resource target (resource.targets.<name>) whose identifier this client
   * asks for as `resource` in its authorization requests (par, authorize), so its tokens are for that API.
   */
  resource_target?: string;
  /**
   * CIBA ping mode (CIBA Core §4): the backchannel_client_notification_endpoint this client registered
   * at the OP; `${callback}` is the base URL of the endpoint the harness serves for the run.
   */
  notification_endpoint?: string;
  /** RFC 8705: the TLS client certificate this client presents (harness/engine/client-certs.ts). */
  certificate?: PlanCertificate;
}

/**
 * A plan client's TLS client certificate: made for the run (`generate`; subject as an RFC 4514 DN,
 * SANs as `DNS:`, `URI:`, `email:`, `IP:` entries; from the run's test CA, or self-signed), or
 * the user's own (`cert`, `key`: PEM text or file; the key is masked in reports).
 */
export interface PlanCertificate {
  generate?: { subject: string; sans?: string[]; self_signed?: boolean };
  cert?: string;
  key?: string;
}

export interface PlanUser {
  username: string;
  /** Masked in every report. */
  password: string;
  sub?: string;
}

/** A declared browser action. Values and selectors may use ${user.username}, ${user.password},
 *  ${client.client_id} and the step's variables (e.g. ${device.user_code}). An `optional` action
 *  that cannot be done (its element never shows) is recorded and skipped. */
export type BrowserAction = (
  | { goto: string }
  | { fill: { selector: string; value: string } }
  | { click: string }
  | { check_all: string }
  | { expect: { selector: string; text?: string } }
  | { wait_for: string }
) & { optional?: boolean };

export interface Interaction {
  name: string;
  /** The interaction runs when this CSS selector is visible, or when the page matches a selector
   *  and/or a regular expression over its visible text. */
  when: string | { selector?: string; text?: string };
  steps: BrowserAction[];
}

export interface PageMatcher {
  /** CSS selector that identifies the page; */
  selector?: string;
  /** or a regular expression over the page's visible text. */
  text?: string;
  /** For a confirmation page: the selector to click to confirm. */
  confirm?: string;
}

export type PageKind = 'error' | 'logout_confirm' | 'logged_out' | 'device_done';

export interface PlanProvider {
  launch: 'process' | 'external' | 'container' | 'command';
  /** process: config file path (relative to the plan file) or an inline config object. */
  config?: string | Record<string, unknown>;
  /** process: fault switches to turn on. */
  faults?: string[];
  /** external, command: the issuer URL (must be on loopback); command: `${port}` is the port the harness picked. */
  issuer?: string;
  /** Seconds. external/container: what the provider's TTLs are; process: read from the provider config. */
  ttl?: { code?: number };
  /** container: the image to start (ours or a vendor's); it must already be present or pullable. */
  image?: string;
  /** container: the port the provider listens on inside the container (published on 127.0.0.1). */
  port?: number;
  /** container: readiness path, polled over HTTP until it answers 200 (default: the issuer's /.well-known/openid-configuration). */
  ready_path?: string;
  /** container: environment; `${issuer}` and `${host_port}` in values are replaced before start. */
  env?: Record<string, string>;
  /** container: the command (arguments after the image's entrypoint); same placeholders.
   *  command: the program and its arguments, run from the plan file's folder (`node` is the harness's own Node);
   *  `${port}` and `${issuer}` are replaced. */
  command?: string[];
  /** container: a file copied into the container before start (source relative to the plan file); same placeholders in its text. */
  config_file?: { source: string; target: string };
  /** container: path of the issuer under http://127.0.0.1:<host port> (e.g. /realms/test); default none. */
  issuer_path?: string;
  /** container: seconds to wait for readiness (default 60). */
  start_timeout?: number;
  /**
   * Several instances of one provider sharing state. process: how many to start (same issuer, keys
   * and store, each on its own port); external: the base URL of each instance of the provider.
   */
  instances?: number | string[];
  /** process with instances: the store the instances share; `redis` = a private redis-server for the run. */
  shared_store?: 'redis';
  /**
   * process: serve over HTTPS with a certificate from a test CA made for the run (harness/engine/test-ca.ts);
   * command: `${tls_cert}`, `${tls_key}`, `${tls_ca}` in command and env are that certificate's files.
   */
  tls?: boolean;
  /** external, command, container: a PEM file (relative to the plan file) of the CA(s) to trust for an https issuer. */
  ca?: string;
}

/** A protected URL of a `resource` target; `${issuer}` in url and audience is the provider's issuer. */
export interface PlanResourceTarget {
  url: string;
  /** HTTP methods the API serves on it (default [GET]). */
  methods?: string[];
  /** The aud the API expects (its RFC 8707 / RFC 9728 resource identifier; default: url). */
  audience?: string;
}

/** Plan target kind `resource` (issue 7): an API that accepts the provider's access tokens. */
export interface PlanResource {
  /** `main` is required; `other` is a second resource with another audience ("a token for another resource"). */
  targets: Record<string, PlanResourceTarget>;
  /** How to get a valid token: a plan client and grant (client_credentials; RFC 8707 resource sent unless resource_indicator is false). */
  token: { grant: 'client_credentials'; client: string; scope?: string; resource_indicator?: boolean };
  /** Seconds of clock leeway the API allows on exp and nbf (forged tokens go beyond it). */
  leeway: number;
  /** The API requires typ at+jwt (RFC 9068 §4). */
  requires_typ?: boolean;
  /** The API accepts DPoP-bound tokens (RFC 9449 §7), whether it requires server nonces (§9), and whether the issuer's token endpoint does (§8). */
  dpop?: { bound_tokens?: boolean; nonce?: boolean; token_nonce?: boolean };
  /** Seconds within which the API follows the issuer's key rotation (its JWKS refresh interval). */
  jwks_refresh?: number;
  /** A private key the issuer signs with, so the harness can sign claim-forged tokens (exp, nbf, aud, iss, typ):
   *  `provider-config` = the first RS256 key of the launched provider's config, or a private JWK (masked). */
  signing_key?: 'provider-config' | Record<string, unknown>;
  /** The API serves RFC 9728 protected resource metadata (at /.well-known/oauth-protected-resource + path). */
  metadata?: boolean;
}

// ---------------------------------------------------------------- plan: out-of-band operations (issue 11 §3)

/**
 * One request the harness sends to make the OP do something a module needs (rotate its keys,
 * answer a CIBA request as the End-User's device). Every string may use `${issuer}` and the
 * operation's own placeholders (`${auth_req_id}`, `${decision}`, `${publish_ahead}`); a form or
 * JSON member whose placeholder has no value is left out.
 */
export interface PlanOperation {
  /** Default POST. */
  method?: string;
  /** Absolute URL on loopback, or a path under `${issuer}` (e.g. `${issuer}/ops/rotate`). */
  url: string;
  headers?: Record<string, string>;
  /** Sent as `Authorization: Bearer <token>`; masked in every report. */
  bearer?: string;
  /** An application/x-www-form-urlencoded body; */
  form?: Record<string, string>;
  /** or a JSON body. */
  json?: Record<string, unknown>;
  /** Statuses that mean done (default any 2xx). */
  status?: number[];
}

/** Operation names the steps use: `rotate-keys` needs rotate_keys, `ciba-decide` needs ciba_decide. */
export interface PlanOperations {
  rotate_keys?: PlanOperation;
  ciba_decide?: PlanOperation;
}

/** A failing finding the plan expects: hidden only when every given field matches. */
export interface ExpectedFailure {
  /** Module id, glob or `suite:<name>`; must select at least one of the plan's modules. */
  module: string;
  /** A check id (harness/checks) or a step expectation id (`<step id>-refused`, …). */
  check: string;
  /** The citation id the finding cites. */
  rule?: string;
  /** A regular expression (source) the finding's message must match. */
  message?: string;
  /**
   * A deviation that shows only under some interleavings (a race): hidden when it occurs, and not
   * reported unmet when a run happens not to show it.
   */
  intermittent?: boolean;
  reason: string;
}

/** An expected failure that did not occur in a module it selected that ran. */
export interface UnmetExpectedFailure {
  module: string;
  check: string;
  rule?: string;
  reason: string;
}

/** A plan judges a rule at another level in its context (e.g. a FAPI MUST as a SHOULD outside FAPI). */
export interface SeverityOverride {
  rule: string;
  level: Level;
  reason: string;
}

export interface Plan {
  name: string;
  description?: string;
  provider: PlanProvider;
  clients: Record<string, PlanClient>;
  users: Record<string, PlanUser>;
  browser: { interactions: Interaction[]; pages: Partial<Record<PageKind, PageMatcher>> };
  variants?: Record<string, string>;
  /** Module ids or globs; `*` selects every module of the suites and the plan's own. */
  modules: string[];
  /** Modules the plan declares itself, in the same shape as suites/*.yaml. */
  define?: ModuleDef[];
  expected_failures?: ExpectedFailure[];
  /** Rules judged at another level than their citation's in this plan's context. */
  severity?: SeverityOverride[];
  /** max_wait_s: the longest a module may wait for an expiry (default 60 s). */
  settings?: { timeout_ms?: number; max_body_bytes?: number; workers?: number; max_wait_s?: number };
  /** A protected resource (API) to test with the resource-server suite. */
  resource?: PlanResource;
  /** Out-of-band operations the OP offers for modules that need them (see PlanOperations). */
  operations?: PlanOperations;
  /** Client metadata templates for dynamic registration (RFC 7591 §2), by name: a `register` step's
   *  `with.metadata_from` starts from one, and its `with.metadata` members go on top. */
  registration_metadata?: Record<string, Record<string, unknown>>;
  /** RFC 9396: named authorization_details arrays (suites/rar.yaml: granted, unknown_type, not_allowed);
   *  `${authorization_details.<name>}` in a step's `with` is the array as JSON. */
  authorization_details?: Record<string, Array<Record<string, unknown> & { type: string }>>;
  /** Absolute path of the plan file (set by the loader). */
  file?: string;
  /** A plan listing several values for a variant: its combinations (harness/plan/matrix.ts); the
   *  plan's own fields are those of the first combination. */
  matrix?: PlanMatrix;
}

// ---------------------------------------------------------------- modules and flows

/** What a step is expected to produce. Omitted = success. */
export interface StepExpect {
  /** authorize/token/userinfo: the request must fail with one of these OAuth error codes. */
  error?: string[];
  /** HTTP status for back-channel steps (default 200 for success, 400/401 for errors). */
  status?: number[];
  /** authorize/logout: the browser must end on one of these OP pages, never at the client. */
  page?: PageKind[];
  /** logout: the browser must be redirected to the post_logout_redirect_uri. */
  redirect?: 'post_logout_redirect_uri';
  /** authorize/logout: plan interactions (by name) that must, or must not, have been shown. */
  interaction?: { shown?: string[]; not_shown?: string[] };
  /** The rule this expectation proves; its check carries this citation. */
  cite?: string;
}

export interface StepDef {
  /** Unique within the flow; defaults to `do`. Edits refer to steps by id. */
  id?: string;
  do: string;
  with?: Record<string, unknown>;
  expect?: StepExpect;
  /** Variant constraints on the step: in a plan outside them the step is left out (catalog stepApplies). */
  applies?: Record<string, string[]>;
}

export type FlowEdit =
  | { edit: string; set?: Record<string, unknown>; drop?: string[]; expect?: StepExpect }
  | { insert_after: string; steps: StepDef[] }
  | { replay: string; as: string; after?: string; set?: Record<string, unknown>; drop?: string[]; expect?: StepExpect }
  | { remove: string }
  | { truncate_after: string };

export interface ModuleDef {
  id: string;
  title: string;
  /** The OIDF conformance-suite module this mirrors (../shared/guide/oidf-modules.md), if any. */
  counterpart?: string | string[];
  /** Citation ids this module exists to prove; a fault switch breaking one of them must fail it. */
  proves: string[];
  /** Threats it tests (ids of harness/threats/catalogue.yaml, OAuch's: BCP_4_8, 6819_4_4_1_1, ...). */
  threats?: string[];
  /** Variant constraints: the module applies when every listed variant has one of the values. */
  applies?: Record<string, string[]>;
  /** The module cannot run (e.g. it proves no rule): reported skipped with this reason. */
  skip?: string;
  /** A named flow (suites/flows.yaml) or another module id to start from. */
  base?: string;
  steps?: StepDef[];
  edits?: FlowEdit[];
  /** Suite file it came from, set by the loader. */
  source?: string;
}

// ---------------------------------------------------------------- results

/** `skipped`: the module cannot run (it proves no rule, or a runtime condition); `not_applicable`: the
 *  plan says it does not apply (a variant, or a client, user, resource or operation the plan lacks). */
export type ModuleStatus = 'passed' | 'failed' | 'warning' | 'skipped' | 'not_applicable';

export interface ModuleResult {
  id: string;
  title: string;
  counterpart?: string | string[];
  proves: string[];
  /** The module's `threats:` (set in summary.json's entries, from the module definition). */
  threats?: string[];
  /** In a matrix run: the module id without the combination, and the combination's values. */
  module?: string;
  combination?: Record<string, string>;
  status: ModuleStatus;
  /** Why skipped, or the first failing finding's message, or an engine error. */
  reason?: string;
  findings: Finding[];
  /** Findings that failed but the plan lists as expected failures (module passes on them). */
  expectedFailures: (Finding & { reason: string })[];
  /** Plan expected_failures that select this module but hid nothing although it ran. */
  unmetExpectedFailures?: UnmetExpectedFailure[];
  exchanges: Exchange[];
  /** Absolute directory holding this module's screenshots and page captures. */
  evidenceDir?: string;
  startedAt: string;
  ms: number;
  /** Where the module's time went (`npm run bench` aggregates it). */
  timing?: ModuleTiming;
  /** modules/<id>.json only: what `touchstone replay` needs to run this module again. */
  replay?: ReplayInfo;
}

/** Recorded with each module's result: the plan it ran under and the module as it ran. */
export interface ReplayInfo {
  /** The plan's name and absolute file path. */
  plan: string;
  planFile: string;
  /** The plan's variants when it ran (a replay against another plan reports where they differ). */
  variants: Record<string, string>;
  /** The module's definition with its steps resolved (base flow and edits applied), so a plan's own
   *  `define:` module can be replayed against another provider's plan. */
  module: ModuleDef;
}

/** A module's time, by step; the browser start and deliberate waits are inside their steps' time. */
export interface ModuleTiming {
  /** Every step that ran: its id, kind and wall time in ms. */
  steps: { id: string; do: string; ms: number }[];
  /** Opening the module's fresh browser context and page. */
  browserOpenMs?: number;
  /** In the browser: navigations, interactions and page captures (after it was open). */
  browserMs?: number;
  /** Back-channel HTTP: the sum of the exchanges' times (concurrent ones each counted). */
  httpMs: number;
  /** Deliberate waits: TTL expiries, polling intervals, `wait` steps, retries. */
  waitMs: number;
}

export interface RunSummary {
  plan: string;
  planFile: string;
  startedAt: string;
  ms: number;
  workers: number;
  issuer: string;
  faults: string[];
  /** expectedFailures: findings hidden by the plan's expected_failures, over all modules. */
  counts: Record<ModuleStatus, number> & { total: number; expectedFailures: number };
  /** Expected failures that did not occur (see UnmetExpectedFailure). */
  unmetExpectedFailures: UnmetExpectedFailure[];
  /** The release gate this run was judged by, and why it failed (empty when it passed). */
  gate: RunGate;
  /** Run-level errors (each fails the gate), when there were any; `touchstone merge` unites them. */
  errors?: string[];
  /** touchstone run --shard i/n: this shard's place; selected = the size of the unsharded selection. */
  shard?: { index: number; total: number; selected: number };
  /** The threat table (harness/threats/verdict.ts): every threat of the catalogue with its verdict and the modules behind it. */
  threats?: ThreatReport;
  /** A matrix run: its variant values and each combination's counts (module ids are suffixed `[<key>]`). */
  matrix?: { dimensions: Record<string, string[]>; combinations: { key: string; variants: Record<string, string>; counts: RunSummary['counts'] }[] };
  modules: Omit<ModuleResult, 'exchanges'>[];
}

export interface RunGate {
  /** `strict` (touchstone run --strict): skips, warnings and unmet expected failures fail too. */
  mode: 'default' | 'strict';
  passed: boolean;
  reasons: string[];
}

// The threat table of a run (built by harness/threats/verdict.ts).
export type ThreatVerdict = 'mitigated' | 'not_mitigated' | 'not_tested';

/** How one module behind a threat came out; `expected_failure`: passed only on the plan's expected failures. */
/** not_judged: failed without a failing finding (interrupted, provider gone, harness error). */
export type ThreatModuleOutcome = ModuleStatus | 'expected_failure' | 'not_judged';

export interface ThreatRow {
  id: string;
  title: string;
  cites: string;
  verdict: ThreatVerdict;
  /** The run's modules that declare it, in run order. */
  modules: { id: string; outcome: ThreatModuleOutcome }[];
}

export interface ThreatReport {
  counts: Record<ThreatVerdict, number>;
  table: ThreatRow[];
}

/** One combination of a variant matrix (harness/plan/matrix.ts expands a plan into them). */
export interface Combination {
  /** `name=value,name=value` over the variants with several values; "" for a plan without a matrix. */
  key: string;
  /** The values of those variants in this combination. */
  variants: Record<string, string>;
  /** The concrete plan of this combination (scalar variants, overrides merged). */
  plan: Plan;
}

export interface PlanMatrix {
  /** Each variant the plan lists several values for, with the values in the plan's order. */
  dimensions: Record<string, string[]>;
  combinations: Combination[];
}
