// The provider under test. `process` starts the reference provider (provider/main.ts) as a child
// process on a random loopback port with the plan's config and fault switches; `external` points
// at an issuer that is already running; `container` starts an image with testcontainers
// (harness/engine/container.ts) and keeps its log as <report dir>/container.log.
// Several instances (`provider.instances`): `process` with a count starts that many reference
// providers with one issuer, one set of signing keys and one shared store (`shared_store: redis`:
// a private redis-server for the run, harness/engine/redis-server.ts); `external` with a list of
// URLs names the instances of a provider the user runs; `command` with a count runs the command that
// many times on one Redis (${redis_url}). The target lists their base URLs.
// `launch: process` is the reference provider's launcher, so only it writes that provider's own
// config keys and env (TOUCHSTONE_FAULTS, TOUCHSTONE_STORE, `store`, `tls`, `port`); the other
// launchers hand a provider nothing but the plan's command, env and ${...} values.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { parse as parseYaml } from 'yaml';
import type { Plan } from '../core/types.ts';
import { stopChild } from './child.ts';
import { fillCallback, startNotificationServer, usesCallback, type NotificationServer } from './notification-server.ts';
import { RedisUnavailableError, startRedisServer, type RedisServer } from './redis-server.ts';
import { ClientCertError, fillCertificatePlaceholders, makeClientCertificates, needsTestCa, plansClientCertificates, type ClientCert } from './client-certs.ts';
import type { TestCa } from './test-ca.ts';

export interface Target {
  issuer: string;
  /** Seconds; undefined when the plan does not say and the provider does not tell. */
  ttl: { code?: number };
  faults: string[];
  logFile?: string;
  /**
   * Set when the harness made the reference provider's signing keys for this run (plan
   * `resource.signing_key: provider-config` and no `keys` in the provider config): the private
   * RS256 JWK the resource-server modules sign their claim forgeries with. Never written to a report.
   */
  forgingKey?: Record<string, unknown>;
  /**
   * Several instances of one provider (plan `provider.instances`): the base URL of each, standing
   * where the issuer stands in endpoint URLs (a race step `with.across: instances` splits its copies
   * over them). Unset for a single instance.
   */
  instances?: string[];
  /**
   * PEM of the CA certificate(s) the harness trusts for the issuer's TLS (plan `provider.tls`: the
   * run's test CA; `provider.ca`: the user's file). Unset: Node's built-in roots.
   */
  ca?: string;
  /**
   * The CIBA ping notification endpoint the harness serves for this run (harness/engine/notification-server.ts):
   * started when the plan's provider section names `${callback}` and has `tls` (the endpoint is https).
   */
  callback?: NotificationServer;
  /** The TLS client certificates of the plan's clients, by role (plan clients.<role>.certificate, RFC 8705). */
  clientCerts?: Record<string, ClientCert>;
  /** The same per matrix combination this provider also serves (StartTargetOptions.combinations), by key. */
  combinationCerts?: Record<string, Record<string, ClientCert>>;
  stop(): Promise<void>;
}

export class TargetError extends Error {}

/** The plan's provider is `launch: container` and no container engine is reachable: skipped, not passed. */
export class TargetUnavailableError extends TargetError {
  override name = 'TargetUnavailableError';
}

const PROVIDER_MAIN = new URL('../../provider/main.ts', import.meta.url).pathname;
const START_TIMEOUT_MS = 20_000;

export interface StartTargetOptions {
  logFile?: string;
  faults?: string[];
  /**
   * `launch: process` only: start the reference provider inside this process with this function
   * (same code, same config and faults, no child process). The fault self-test passes one to save
   * a Node start per fault; the harness never imports the provider itself, and the CLI always
   * starts a child process.
   */
  inProcess?: ProviderStarter;
  /** `launch: command` with `tls`: the CA its readiness poll trusts. */
  ca?: string;
  /**
   * The other matrix combinations this provider serves (harness/plan/matrix.ts providerGroups): their
   * clients' certificates are made too, from the same CA (Target.combinationCerts), and a provider
   * that any of them needs trusts that CA for tls_client_auth.
   */
  combinations?: { key: string; plan: Plan }[];
}

/** Starts a provider in the caller's process: the config (inline or a file) and the faults to switch on. */
export type ProviderStarter = (o: { config?: Record<string, unknown>; configFile?: string; faults: string[] }) =>
  Promise<{ issuer: string; ttl: { code?: number }; close: () => Promise<void> }>;

export async function startTarget(plan: Plan, opts: StartTargetOptions = {}): Promise<Target> {
  if (plan.provider.tls && (plan.provider.launch === 'process' || plan.provider.launch === 'command')) return startTlsTarget(plan, opts);
  // Client certificates without the run's test CA: the user's own files, or self-signed ones.
  let certs: Pick<Target, 'clientCerts' | 'combinationCerts'> = {};
  try {
    certs = await certificatesFor(plan, opts);
  } catch (err) {
    throw new TargetError((err as Error).message);
  }
  const t0 = await startAnyTarget(plan, opts);
  const t = { ...t0, ...certs };
  if (!plan.provider.ca) return t;
  const file = resolve(plan.file ? dirname(plan.file) : process.cwd(), plan.provider.ca);
  try {
    return { ...t, ca: readFileSync(file, 'utf8') };
  } catch (err) {
    await t.stop();
    throw new TargetError(`/provider/ca: ${(err as Error).message}`);
  }
}

/**
 * `launch: process` with `tls: true`: a test CA for the run (harness/engine/test-ca.ts), a server
 * certificate for 127.0.0.1 and localhost, the provider config's `tls` set to them (PEM text), and
 * the CA trusted by the harness's back channel only (Target.ca), never globally. The CA's temp
 * directory (0700) is removed when the target stops.
 */
async function startTlsTarget(plan: Plan, opts: StartTargetOptions): Promise<Target> {
  const { makeTestCa, TestCaUnavailableError } = await import('./test-ca.ts');
  let ca;
  try {
    ca = await makeTestCa();
  } catch (err) {
    if (err instanceof TestCaUnavailableError) throw new TargetUnavailableError(`provider.tls: ${err.message}`);
    throw err;
  }
  try {
    const server = await ca.issueServer(['127.0.0.1', 'localhost']);
      // Mutual TLS (RFC 8705): the plan's client certificates, from this CA or self-signed.
      let certs: Pick<Target, 'clientCerts' | 'combinationCerts'>;
      try {
        certs = await certificatesFor(plan, opts, ca);
      } catch (err) {
        throw err instanceof ClientCertError ? new TargetError(err.message) : err;
      }
      const { clientCerts } = certs;
      const others = (opts.combinations ?? []).map((c) => c.plan);
      // Each certificate as a file in the CA's 0700 directory, for ${client_cert:<role>} in a command.
      const certFiles: Record<string, string> = {};
      for (const [role, c] of Object.entries(clientCerts ?? {})) {
        certFiles[role] = join(ca.dir, `client-cert-${role}.pem`);
        writeFileSync(certFiles[role], c.certPem, { mode: 0o600 });
      }
      // `${callback}`: the run's CIBA ping endpoint, https with a certificate from the same CA.
      const callback = usesCallback(plan.provider) ? await startNotificationServer(server) : undefined;
      let provider: Plan['provider'] = callback ? fillCallback(plan.provider, callback.base) : plan.provider;
      if (provider.launch === 'command') {
        // A program the plan starts: ${tls_cert}, ${tls_key} and ${tls_ca} in its command and env are
        // the PEM files (in the CA's 0700 directory); it serves https on the port the harness picked.
        // ${client_cert:<role>}: that client's certificate file (e.g. to register a self-signed one).
        const fill = (v: string) => fillCertificatePlaceholders(v.replaceAll('${tls_cert}', server.certFile).replaceAll('${tls_key}', server.keyFile).replaceAll('${tls_ca}', ca.certFile), clientCerts ?? {}, certFiles);
        const env = provider.env ? Object.fromEntries(Object.entries(provider.env).map(([k, v]) => [k, fill(v)])) : undefined;
        provider = { ...provider, tls: undefined, command: provider.command?.map(fill), ...(env ? { env } : {}) };
      } else {
        // The reference provider requests client certificates and trusts this CA for tls_client_auth
        // when a client's certificate comes from it; ${client_cert_x5c:<role>} in its config is filled.
        // It trusts the run's CA when it calls the client (outbound_tls_ca).
        const mtls = needsTestCa(plan, ...others) || plansClientCertificates(plan, ...others) ? { mtls: needsTestCa(plan, ...others) ? { ca: ca.certPem } : {} } : {};
        const base = callback ? fillCallback(baseConfig({ ...plan, provider }), callback.base) : baseConfig(plan);
        const config = fillCertificatePlaceholders(base, clientCerts ?? {});
        provider = { ...provider, tls: undefined, config: { ...config, tls: { cert: server.certPem, key: server.keyPem, ...mtls }, ...(callback ? { outbound_tls_ca: ca.certPem } : {}) } };
      }
      let t: Target;
      try {
        t = await startAnyTarget({ ...plan, provider }, { ...opts, ca: ca.certPem });
      } catch (err) {
        await callback?.close();
        throw err;
      }
      return { ...t, ca: ca.certPem, ...(callback ? { callback } : {}), ...certs, stop: async () => { await t.stop(); await callback?.close(); await ca.remove(); } };
  } catch (err) {
    await ca.remove();
    throw err;
  }
}

/** The certificates of the plan's clients and of the other combinations' (one cache: equal specs share one). */
async function certificatesFor(plan: Plan, opts: StartTargetOptions, ca?: TestCa): Promise<Pick<Target, 'clientCerts' | 'combinationCerts'>> {
  const made = new Map<string, ClientCert>();
  const out: Pick<Target, 'clientCerts' | 'combinationCerts'> = {};
  if (plansClientCertificates(plan)) out.clientCerts = await makeClientCertificates(plan, ca, made);
  for (const c of opts.combinations ?? []) {
    if (!plansClientCertificates(c.plan)) continue;
    (out.combinationCerts ??= {})[c.key] = await makeClientCertificates(c.plan, ca, made);
  }
  return out;
}

async function startAnyTarget(plan: Plan, opts: StartTargetOptions = {}): Promise<Target> {
  const p = plan.provider;
  if (p.launch === 'external') {
    const instances = Array.isArray(p.instances) ? p.instances.map((u) => u.replace(/\/$/, '')) : undefined;
    return { issuer: p.issuer!.replace(/\/$/, ''), ttl: { ...p.ttl }, faults: [], ...(instances ? { instances } : {}), stop: async () => {} };
  }
  if (p.launch === 'process' && typeof p.instances === 'number' && p.instances > 1) return startInstances(plan, opts);
  if (p.launch === 'command' && typeof p.instances === 'number' && p.instances > 1) return startCommandInstances(plan, opts);
  if (p.launch === 'container') return startContainerTarget(plan, opts);
  if (p.launch === 'command') return startCommandTarget(plan, opts);
  const faults = [...new Set([...(p.faults ?? []), ...(opts.faults ?? [])])];
  const keys = await keysToMake(plan);
  if (keys) plan = { ...plan, provider: { ...p, config: { ...(p.config as Record<string, unknown> | undefined), keys } } };
  const forgingKey = keys?.find((k) => k.alg === 'RS256');
  if (opts.inProcess) return { ...(await startInProcess(opts.inProcess, plan, faults)), forgingKey };
  // A random loopback port, unless the provider config names one (an API under test may trust a fixed issuer).
  const args = configPort(plan) === undefined ? [PROVIDER_MAIN, '--port', '0'] : [PROVIDER_MAIN];
  if (typeof plan.provider.config === 'string') {
    args.push('--config', resolve(plan.file ? dirname(plan.file) : process.cwd(), plan.provider.config));
  } else if (plan.provider.config) {
    const file = join(mkdtempSync(join(tmpdir(), 'touchstone-')), 'provider.json');
    writeFileSync(file, JSON.stringify(plan.provider.config));
    args.push('--config', file);
  }
  // A fresh in-memory store per run unless the plan's provider config names one.
  // NODE_COMPILE_CACHE: the provider's type-stripped modules, its entry file too, are compiled once
  // per machine; a start then skips loading the TypeScript stripper (~14 MiB of RSS, ~0.1 s).
  const env = { ...process.env, TOUCHSTONE_FAULTS: faults.join(','), TOUCHSTONE_STORE: 'memory', NODE_COMPILE_CACHE: process.env.NODE_COMPILE_CACHE ?? join(tmpdir(), 'node-compile-cache') };
  const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString();
    log?.write(d);
  });
  const lines = createInterface({ input: child.stdout! });
  const listening = await new Promise<{ issuer: string; ttl?: { code?: number } }>((resolveListen, reject) => {
    const timer = setTimeout(() => reject(new TargetError(`reference provider did not start within ${START_TIMEOUT_MS} ms`)), START_TIMEOUT_MS);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new TargetError(`reference provider exited (code ${code}) before listening: ${stderr.trim().split('\n').pop() ?? ''}`));
    });
    lines.on('line', (line) => {
      log?.write(line + '\n');
      try {
        const msg = JSON.parse(line);
        if (msg?.msg === 'listening' && typeof msg.issuer === 'string') {
          clearTimeout(timer);
          resolveListen(msg);
        }
      } catch {
        // not JSON: plain log output
      }
    });
  }).catch((err) => {
    child.kill('SIGKILL');
    log?.end();
    throw err;
  });
  child.removeAllListeners('exit');
  return {
    issuer: listening.issuer.replace(/\/$/, ''),
    ttl: { code: listening.ttl?.code ?? p.ttl?.code },
    faults,
    forgingKey,
    logFile: opts.logFile,
    stop: () => stopChild(child, () => log?.end()),
  };
}

/** The port the plan's provider config sets, if any (inline or in the config file). */
function configPort(plan: Plan): unknown {
  const config = plan.provider.config;
  if (typeof config !== 'string') return (config as { port?: unknown } | undefined)?.port;
  try {
    return (parseYaml(readFileSync(resolve(plan.file ? dirname(plan.file) : process.cwd(), config), 'utf8')) as { port?: unknown } | null)?.port;
  } catch {
    return undefined; // the provider reports an unreadable config itself
  }
}

/**
 * `resource.signing_key: provider-config` with an inline provider config that has no `keys`: the
 * harness makes the provider's test signing keys (RS256, PS256, ES256) itself, so it knows the
 * private RS256 key the API under test trusts through the provider's JWKS.
 */
async function keysToMake(plan: Plan): Promise<Record<string, unknown>[] | undefined> {
  const config = plan.provider.config;
  if (plan.resource?.signing_key !== 'provider-config' || typeof config === 'string') return undefined;
  if ((config as { keys?: unknown } | undefined)?.keys !== undefined) return undefined;
  return makeSigningKeys('touchstone-run');
}

/** RS256, PS256 and ES256 private signing JWKs (kid `<prefix>-<alg>`). */
async function makeSigningKeys(prefix: string): Promise<Record<string, unknown>[]> {
  const { exportJWK, generateKeyPair } = await import('jose');
  return Promise.all(
    (['RS256', 'PS256', 'ES256'] as const).map(async (alg) => {
      const { privateKey } = await generateKeyPair(alg, { extractable: true });
      return { ...(await exportJWK(privateKey)), alg, kid: `${prefix}-${alg.toLowerCase()}`, use: 'sig' };
    }),
  );
}

async function startInProcess(start: ProviderStarter, plan: Plan, faults: string[]): Promise<Target> {
  const p = plan.provider;
  const configFile = typeof p.config === 'string' ? resolve(plan.file ? dirname(plan.file) : process.cwd(), p.config) : undefined;
  const op = await start({ config: typeof p.config === 'string' ? undefined : ((p.config as Record<string, unknown> | undefined) ?? {}), configFile, faults });
  return { issuer: op.issuer.replace(/\/$/, ''), ttl: { code: op.ttl.code ?? p.ttl?.code }, faults, stop: op.close };
}

async function startContainerTarget(plan: Plan, opts: { logFile?: string }): Promise<Target> {
  const { startContainer, EngineUnavailableError } = await import('./container.ts');
  // The container's log sits next to the run's provider.log: <report dir>/container.log.
  const logFile = opts.logFile ? join(dirname(opts.logFile), 'container.log') : undefined;
  try {
    const c = await startContainer(plan, { logFile });
    const faults = (plan.provider.env?.TOUCHSTONE_FAULTS ?? '').split(',').map((f) => f.trim()).filter(Boolean);
    return { issuer: c.issuer, ttl: { ...plan.provider.ttl }, faults, logFile: c.logFile, stop: c.stop };
  } catch (err) {
    if (err instanceof EngineUnavailableError) throw new TargetUnavailableError(err.message);
    throw new TargetError((err as Error).message);
  }
}

/**
 * `launch: command`: any provider started as a program (a vendor's binary, our oidc-provider peer).
 * The harness picks a free loopback port, replaces `${port}` and `${issuer}` in the command, the
 * issuer and env, runs it from the plan file's folder and polls `ready_path` on the issuer until it
 * answers 2xx. Its stdout and stderr go to the run's provider.log.
 */
async function startCommandTarget(plan: Plan, opts: { logFile?: string; ca?: string }, instance?: CommandInstance): Promise<Target> {
  const p = plan.provider;
  const { freeLoopbackPort } = await import('./container.ts');
  const port = instance?.port ?? String(await freeLoopbackPort());
  const own = p.issuer!.replaceAll('${port}', port).replace(/\/$/, '');
  const issuer = instance?.issuer ?? own;
  const vars: Record<string, string> = { port, issuer, ...instance?.vars };
  const fill = (v: string) => v.replace(/\$\{(port|issuer|redis_url|redis_prefix)\}/g, (m, name: string) => vars[name] ?? m);
  const [program, ...args] = p.command!.map(fill);
  const env = { ...process.env, ...Object.fromEntries(Object.entries(p.env ?? {}).map(([k, v]) => [k, fill(v)])) };
  const cwd = plan.file ? dirname(plan.file) : process.cwd();
  const child = spawn(program === 'node' ? process.execPath : program, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const log = opts.logFile ? createWriteStream(opts.logFile, { flags: 'a' }) : undefined;
  let tail = '';
  const keep = (d: Buffer) => {
    log?.write(d);
    tail = (tail + d.toString()).slice(-2000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exited: string | undefined;
  let spawnError: string | undefined;
  child.once('error', (err) => (spawnError = err.message));
  child.once('exit', (code, signal) => (exited = `exited (${signal ?? `code ${code}`})`));
  // An instance answers at its own port, whatever issuer it serves.
  const readyUrl = own + (p.ready_path ?? '/.well-known/openid-configuration');
  const deadline = Date.now() + (p.start_timeout ?? 30) * 1000;
  const lastLine = () => tail.trim().split('\n').pop() ?? '';
  const probe = await readiness(opts.ca);
  try {
    for (;;) {
      if (spawnError) throw new TargetError(`/provider/command could not start ${program}: ${spawnError}`);
      if (exited) {
        log?.end();
        throw new TargetError(`/provider/command ${exited} before ${readyUrl} answered: ${lastLine()}`);
      }
      if (await probe.ready(readyUrl)) break;
      if (Date.now() > deadline) {
        await stopChild(child, () => log?.end());
        throw new TargetError(`/provider/command: ${readyUrl} did not answer 2xx within ${p.start_timeout ?? 30} s (/provider/start_timeout): ${lastLine()}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  } finally {
    await probe.close();
  }
  child.removeAllListeners('exit');
  return { issuer, ttl: { ...p.ttl }, faults: [], logFile: opts.logFile, stop: () => stopChild(child, () => log?.end()) };
}

/** One of several instances of a `launch: command` provider: its port, the common issuer, extra variables. */
interface CommandInstance {
  port: string;
  issuer: string;
  vars: Record<string, string>;
}

/**
 * The readiness poll: does a URL answer 2xx? Over https with `ca`, one undici Agent trusting it
 * serves every poll (closed after); otherwise fetch with Node's roots.
 */
async function readiness(ca?: string): Promise<{ ready(url: string): Promise<boolean>; close(): Promise<void> }> {
  if (!ca) {
    return {
      ready: (url) => fetch(url, { signal: AbortSignal.timeout(1000), redirect: 'manual' }).then((r) => r.status >= 200 && r.status < 300, () => false),
      close: async () => {},
    };
  }
  const { Agent, request } = await import('undici');
  const agent = new Agent({ connect: { ca } });
  return {
    async ready(url) {
      try {
        const r = await request(url, { dispatcher: agent, signal: AbortSignal.timeout(1000) });
        await r.body.dump();
        return r.statusCode >= 200 && r.statusCode < 300;
      } catch {
        return false;
      }
    },
    close: () => agent.close().catch(() => {}),
  };
}

/**
 * `launch: process` with `instances: N`: N reference providers on free loopback ports, all with the
 * first one's issuer (so a DPoP htu or an assertion aud is valid at any of them), the same signing
 * keys (the config's, or made here) and one shared store (`shared_store: redis`, or the config's
 * own `store`). Stopped together; the Redis the harness started goes with them.
 */
async function startInstances(plan: Plan, opts: StartTargetOptions): Promise<Target> {
  const p = plan.provider;
  const n = p.instances as number;
  const base = baseConfig(plan);
  const { freeLoopbackPort } = await import('./container.ts');
  const ports: number[] = [];
  while (ports.length < n) {
    const port = await freeLoopbackPort();
    if (!ports.includes(port)) ports.push(port);
  }
  const issuer = String(base.issuer ?? `http://127.0.0.1:${ports[0]}`).replace(/\/$/, '');
  const made = base.keys === undefined ? await makeSigningKeys('touchstone-run') : undefined;
  const keys = (base.keys ?? made) as Record<string, unknown>[];
  const redis = p.shared_store === 'redis' ? await sharedRedis() : undefined;
  const store = redis ? { type: 'redis', url: redis.url, prefix: redis.prefix } : base.store;
  const started: Target[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((t) => t.stop()));
    await redis?.stop();
  };
  try {
    for (const port of ports) {
      const config = { ...base, issuer, port, keys, ...(store !== undefined ? { store } : {}) };
      const one: Plan = { ...plan, provider: { ...p, instances: undefined, shared_store: undefined, config } };
      started.push(await startTarget(one, opts));
    }
  } catch (err) {
    await stopAll();
    throw err;
  }
  const forgingKey = made && plan.resource?.signing_key === 'provider-config' ? made.find((k) => k.alg === 'RS256') : undefined;
  return {
    issuer,
    ttl: started[0].ttl,
    faults: started[0].faults,
    logFile: opts.logFile,
    ...(forgingKey ? { forgingKey } : {}),
    instances: ports.map((port) => `http://127.0.0.1:${port}`),
    stop: stopAll,
  };
}

/** `shared_store: redis`: a private redis-server for the run, and a key prefix of the run's own. */
async function sharedRedis(): Promise<RedisServer & { prefix: string }> {
  try {
    // A prefix per run: a Redis shared with other runs keeps their keys apart.
    return Object.assign(await startRedisServer(), { prefix: `touchstone-${randomUUID().slice(0, 8)}:` });
  } catch (err) {
    if (err instanceof RedisUnavailableError) {
      throw new TargetUnavailableError(`multi-instance path skipped: ${err.message}; provider.shared_store: redis needs redis-server. Nothing ran, so this run is not a pass`);
    }
    throw new TargetError(`provider.shared_store: redis: ${(err as Error).message}`);
  }
}

/**
 * `launch: command` with `instances: N`: the command started N times, each on a free loopback port
 * (`${port}`), all serving the first one's issuer (`${issuer}`), with `${redis_url}` and
 * `${redis_prefix}` naming the private Redis of `shared_store: redis` that they share. Each is ready
 * when its own readiness URL answers.
 */
async function startCommandInstances(plan: Plan, opts: StartTargetOptions): Promise<Target> {
  const p = plan.provider;
  const { freeLoopbackPort } = await import('./container.ts');
  const ports: string[] = [];
  while (ports.length < (p.instances as number)) {
    const port = String(await freeLoopbackPort());
    if (!ports.includes(port)) ports.push(port);
  }
  const url = (port: string) => p.issuer!.replaceAll('${port}', port).replace(/\/$/, '');
  const issuer = url(ports[0]);
  const redis = p.shared_store === 'redis' ? await sharedRedis() : undefined;
  const vars: Record<string, string> = redis ? { redis_url: redis.url, redis_prefix: redis.prefix } : {};
  const started: Target[] = [];
  const stopAll = async () => {
    await Promise.all(started.map((t) => t.stop()));
    await redis?.stop();
  };
  try {
    for (const port of ports) started.push(await startCommandTarget(plan, opts, { port, issuer, vars }));
  } catch (err) {
    await stopAll();
    throw err;
  }
  return { issuer, ttl: started[0].ttl, faults: [], logFile: opts.logFile, instances: ports.map(url), stop: stopAll };
}

/** The plan's provider config as an object (inline, or read from its YAML / JSON file). */
function baseConfig(plan: Plan): Record<string, unknown> {
  const config = plan.provider.config;
  if (typeof config !== 'string') return { ...(config as Record<string, unknown> | undefined) };
  const file = resolve(plan.file ? dirname(plan.file) : process.cwd(), config);
  try {
    return { ...((parseYaml(readFileSync(file, 'utf8')) as Record<string, unknown> | null) ?? {}) };
  } catch (err) {
    throw new TargetError(`provider config ${file}: ${(err as Error).message}`);
  }
}
