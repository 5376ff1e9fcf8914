// `launch: container`: start a provider image (the reference provider's, or a vendor's) with
// testcontainers, publish its port on 127.0.0.1 only, wait for its readiness path, and keep its log.
// testcontainers is imported lazily, so process/external plans never load it.
import { createWriteStream, readFileSync, writeFileSync, type WriteStream } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { maskSecrets, secretsOf } from '../core/mask.ts';
import type { Plan, PlanProvider } from '../core/types.ts';

const DEFAULT_START_TIMEOUT_S = 60;
const ENGINE_PROBE_TIMEOUT_MS = 10_000;

/** No container engine could be reached: the container path cannot run (it is skipped, never passed). */
export class EngineUnavailableError extends Error {
  override name = 'EngineUnavailableError';
  readonly reason: string;
  constructor(reason: string) {
    super(`container path skipped: no container engine reachable (${reason}); launch: container needs a running Docker engine. Nothing ran, so this run is not a pass`);
    this.reason = reason;
  }
}

export class ContainerStartError extends Error {
  override name = 'ContainerStartError';
}

export interface StartedContainer {
  issuer: string;
  hostPort: number;
  containerId: string;
  /** The container's stdout+stderr, in the report dir (undefined when no log file was asked for). */
  logFile?: string;
  stop(): Promise<void>;
}

type TC = typeof import('testcontainers');

/** testcontainers needs these on a machine where the Ryuk reaper image cannot be pulled. */
function testcontainersEnv(): void {
  process.env.TESTCONTAINERS_RYUK_DISABLED ??= 'true';
  process.env.TESTCONTAINERS_HOST_OVERRIDE ??= 'localhost';
}

async function loadTestcontainers(): Promise<TC> {
  testcontainersEnv();
  return import('testcontainers');
}

/**
 * Is a container engine reachable? Resolves `{ ok: true }` or `{ ok: false, reason }` (one line);
 * never throws. `probe` is for tests.
 */
export async function probeEngine(probe?: () => Promise<unknown>): Promise<{ ok: true } | { ok: false; reason: string }> {
  // Forces the no-engine path (the project's tests use it; so can a CI that must not touch Docker).
  if (!probe && process.env.TOUCHSTONE_CONTAINER_ENGINE === 'off') return { ok: false, reason: 'TOUCHSTONE_CONTAINER_ENGINE=off' };
  const run = probe ?? (async () => (await loadTestcontainers()).getContainerRuntimeClient());
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      run(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`the engine did not answer within ${ENGINE_PROBE_TIMEOUT_MS / 1000} s`)), ENGINE_PROBE_TIMEOUT_MS);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, reason: String((err as Error)?.message ?? err).split('\n')[0]!.trim() || 'unknown error' };
  } finally {
    clearTimeout(timer);
  }
}

/** `${issuer}` and `${host_port}` are replaced; any other `${...}` is left as it is (vendor files use their own). */
export function substitute(text: string, vars: { issuer: string; host_port: number }): string {
  return text.replace(/\$\{(issuer|host_port)\}/g, (_, name: 'issuer' | 'host_port') => String(vars[name]));
}

/** A free TCP port on 127.0.0.1 (the issuer must be known before the container starts). */
export function freeLoopbackPort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

function lastLines(file: string | undefined, n = 3): string {
  if (!file) return '';
  try {
    const lines = readFileSync(file, 'utf8').trim().split('\n').filter(Boolean);
    return lines.slice(-n).join(' | ').slice(0, 400);
  } catch {
    return '';
  }
}

/** Start the plan's provider image. Throws EngineUnavailableError when there is no engine. */
export async function startContainer(plan: Plan, opts: { logFile?: string } = {}): Promise<StartedContainer> {
  const p: PlanProvider = plan.provider;
  const engine = await probeEngine();
  if (!engine.ok) throw new EngineUnavailableError(engine.reason);
  const { GenericContainer, Wait } = await loadTestcontainers();

  const image = p.image!;
  const port = p.port!;
  // Default: the issuer's own discovery document, which every OP serves.
  const readyPath = p.ready_path ?? `${(p.issuer_path ?? '').replace(/\/$/, '')}/.well-known/openid-configuration`;
  const hostPort = await freeLoopbackPort();
  const issuer = `http://127.0.0.1:${hostPort}${(p.issuer_path ?? '').replace(/\/$/, '')}`;
  const vars = { issuer, host_port: hostPort };

  let container = new GenericContainer(image)
    .withExposedPorts({ container: port, host: hostPort })
    .withWaitStrategy(Wait.forHttp(readyPath, port).forStatusCode(200))
    .withStartupTimeout((p.start_timeout ?? DEFAULT_START_TIMEOUT_S) * 1000)
    .withLabels({ 'dev.touchstone.plan': plan.name });
  // Publish on 127.0.0.1 only: testcontainers binds every interface unless HostIp is set.
  const hostConfig = (container as unknown as { hostConfig: { PortBindings?: Record<string, Array<{ HostIp?: string; HostPort: string }>> } }).hostConfig;
  hostConfig.PortBindings = { [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(hostPort) }] };
  if (p.env) container = container.withEnvironment(Object.fromEntries(Object.entries(p.env).map(([k, v]) => [k, substitute(v, vars)])));
  if (p.command) container = container.withCommand(p.command.map((a) => substitute(a, vars)));
  if (p.config_file) {
    const source = resolve(plan.file ? dirname(plan.file) : process.cwd(), p.config_file.source);
    const content = substitute(readFileSync(source, 'utf8'), vars);
    container = container.withCopyContentToContainer([{ content, target: p.config_file.target, mode: 0o644 }]);
  }

  let log: WriteStream | undefined;
  let logEnded: Promise<void> = Promise.resolve();
  if (opts.logFile) {
    log = createWriteStream(opts.logFile); // one container per run: a reused --report-dir starts a fresh log
    log.on('error', () => {}); // an unwritable report dir loses the log, not the run
    const out = log;
    container = container.withLogConsumer((stream: Readable) => {
      logEnded = new Promise((done) => {
        stream.on('end', done);
        stream.on('close', done);
        stream.on('error', done);
      });
      stream.on('data', (d: Buffer | string) => out.write(d));
    });
  }
  const closeLog = async () => {
    if (!log) return;
    await Promise.race([logEnded, new Promise((r) => setTimeout(r, 2000).unref())]);
    await new Promise<void>((r) => log!.end(r));
    // Defence in depth: a vendor image may log what the plan holds as secrets.
    const secrets = secretsOf(plan);
    try {
      const text = readFileSync(opts.logFile!, 'utf8');
      const masked = maskSecrets(text, secrets);
      if (masked !== text) writeFileSync(opts.logFile!, masked);
    } catch {
      // no log written
    }
  };

  let started;
  try {
    started = await container.start();
  } catch (err) {
    await closeLog();
    const msg = String((err as Error)?.message ?? err).split('\n')[0];
    const tail = lastLines(opts.logFile);
    throw new ContainerStartError(`container ${image} did not become ready on ${readyPath}: ${msg}${tail ? ` (log: ${tail})` : ''}`);
  }
  let stopped = false;
  return {
    issuer,
    hostPort,
    containerId: started.getId(),
    logFile: opts.logFile,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      try {
        await started.stop({ timeout: 5_000 });
      } finally {
        await closeLog();
      }
    },
  };
}
