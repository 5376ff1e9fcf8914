// A private Redis for one run (plan `provider.shared_store: redis`) or one test file: Debian's
// redis-server on a free loopback port, nothing saved to disk (--save '' --appendonly no), stopped
// with the run. No redis-server on this machine: RedisUnavailableError, which the runner reports as
// skipped with the reason (scripts/bootstrap.sh installs it where it runs as root).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { stopChild } from './child.ts';
import { freeLoopbackPort } from './container.ts';

export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

export interface RedisServer {
  url: string;
  port: number;
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 10_000;

/** The redis-server binary: TOUCHSTONE_REDIS_SERVER, else redis-server on PATH or in /usr/bin, /usr/local/bin. */
export function redisServerBinary(): string | undefined {
  const env = process.env.TOUCHSTONE_REDIS_SERVER;
  if (env) return existsSync(env) ? env : undefined;
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const found = which.status === 0 ? which.stdout.trim() : '';
  if (found) return found;
  return ['/usr/bin/redis-server', '/usr/local/bin/redis-server'].find((p) => existsSync(p));
}

/** Why no Redis can be started here (undefined when one can). */
export function redisUnavailableReason(): string | undefined {
  if (redisServerBinary()) return undefined;
  return process.env.TOUCHSTONE_REDIS_SERVER
    ? `TOUCHSTONE_REDIS_SERVER=${process.env.TOUCHSTONE_REDIS_SERVER} does not exist`
    : 'redis-server is not installed (as root: apt-get install -y redis-server; scripts/bootstrap.sh does it)';
}

export async function startRedisServer(): Promise<RedisServer> {
  const bin = redisServerBinary();
  if (!bin) throw new RedisUnavailableError(redisUnavailableReason()!);
  const port = await freeLoopbackPort();
  const dir = mkdtempSync(join(tmpdir(), 'touchstone-redis-'));
  const child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir, '--daemonize', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let tail = '';
  const keep = (d: Buffer) => (tail = (tail + d.toString()).slice(-1000));
  child.stderr!.on('data', keep);
  const lines = createInterface({ input: child.stdout! });
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => fail(`redis-server did not start within ${START_TIMEOUT_MS} ms`), START_TIMEOUT_MS);
    const fail = (why: string) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      cleanup();
      reject(new Error(`${why}: ${tail.trim().split('\n').pop() ?? ''}`));
    };
    child.once('error', (err) => fail(`redis-server could not start (${err.message})`));
    child.once('exit', (code) => fail(`redis-server exited (code ${code}) before it was ready`));
    lines.on('line', (line) => {
      keep(Buffer.from(line + '\n'));
      if (/Ready to accept connections/i.test(line)) {
        clearTimeout(timer);
        child.removeAllListeners('exit');
        resolve();
      }
    });
  });
  // Drain its output from now on (a full pipe would stall the server).
  child.stdout!.resume();
  const stop = (): Promise<void> => stopChild(child, cleanup);
  return { url: `redis://127.0.0.1:${port}`, port, stop };
}
