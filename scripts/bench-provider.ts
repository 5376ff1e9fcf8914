// Provider benchmark (issue 15): the heavy token flow against OUR provider and against
// oidc-provider 9.13.3 in the same run, each in its own Node process (this Node, 24), one after the
// other; this process is the load generator (a third process). Prints, for both: req/s, p50/p99
// latency, spawn-to-ready (spawn until discovery answers 200) and idle RSS (after ready + settle),
// each the median of three starts, RSS after the load, the CPU time the provider used per request;
// and the ratios ours / theirs. Also our start figures with NODE_COMPILE_CACHE set.
//
// Heavy flow: POST /token grant_type=client_credentials, client authentication private_key_jwt
// (ES256, RFC 7523), a DPoP proof (ES256, RFC 9449), a JWT access token (RFC 9068, RS256, audience
// from the RFC 8707 resource). Every request carries a fresh client assertion and a fresh DPoP
// proof (new jti, current iat): nothing a provider should see as replayed.
//
// Usage: node scripts/bench-provider.ts [--requests 8000] [--concurrency 16] [--warmup 400] [--settle 2000] [--only ours|theirs]
// Environment: BENCH_NODE_OPTIONS: extra node flags for OUR provider's process (e.g. --max-semi-space-size=8);
// BENCH_OURS_ROOT: run the provider of another checkout as "ours" (before/after comparisons).
// TOUCHSTONE_STORE: our store (default memory, like oidc-provider's default in-memory adapter; or sqlite, sqlite:<path>).
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, generateKeyPairSync, randomUUID, sign, type KeyObject } from 'node:crypto';
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { freeLoopbackPort } from '../harness/engine/container.ts';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Pool } from 'undici';

const root = new URL('..', import.meta.url).pathname;

export interface BenchOptions { requests: number; concurrency: number; warmup: number; settleMs: number; only?: 'ours' | 'theirs' }

export interface ProviderFigures {
  name: string;
  readyMs: number;
  /** CPU time (user + system) the provider process used until ready: less sensitive to a busy machine. */
  readyCpuMs: number;
  idleRssMiB: number;
  afterRssMiB: number;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU seconds (user + system) the provider process spent on the measured requests, per 1000 requests. */
  cpuMsPerReq: number;
}

const b64u = (b: Buffer | string) => Buffer.from(b).toString('base64url');

/** A compact ES256 JWS (RFC 7515 §7.1, signature as R || S per RFC 7518 §3.4), signed with node:crypto. */
function es256(header: object, payload: object, key: KeyObject): string {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  return `${input}.${b64u(sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' }))}`;
}

function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

/** utime + stime of a process, in ms (/proc/<pid>/stat fields 14 and 15, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitReady(base: string, child: ChildProcess, started: number): Promise<number> {
  const pool = new Pool(base, { connections: 1 });
  try {
    for (;;) {
      if (child.exitCode !== null) throw new Error(`provider exited with ${child.exitCode} before it was ready`);
      try {
        const r = await pool.request({ path: '/.well-known/openid-configuration', method: 'GET' });
        await r.body.text();
        if (r.statusCode === 200) return performance.now() - started;
      } catch {
        // not listening yet
      }
      await sleep(5);
    }
  } finally {
    await pool.close();
  }
}

interface Target { name: string; start(port: number, env?: Record<string, string>): ChildProcess; resource(issuer: string): string; clientId: string }

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Spawn, wait until discovery answers, settle, read RSS, stop: the start figures alone. */
async function startOnly(t: Target, o: BenchOptions, env?: Record<string, string>): Promise<{ readyMs: number; readyCpuMs: number; idleRssMiB: number }> {
  const port = await freeLoopbackPort();
  const started = performance.now();
  const child = t.start(port, env);
  try {
    const readyMs = await waitReady(`http://127.0.0.1:${port}`, child, started);
    const readyCpuMs = cpuMs(child.pid!);
    await sleep(o.settleMs);
    return { readyMs, readyCpuMs, idleRssMiB: rssMiB(child.pid!) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
}

async function measure(t: Target, o: BenchOptions): Promise<ProviderFigures> {
  const f = await measureLoad(t, o);
  // Start figures: the median of the measured start and two more (one start on a busy machine is noisy).
  const more = [await startOnly(t, o), await startOnly(t, o)];
  return {
    ...f,
    readyMs: Math.round(median([f.readyMs, ...more.map((m) => m.readyMs)])),
    readyCpuMs: median([f.readyCpuMs, ...more.map((m) => m.readyCpuMs)]),
    idleRssMiB: median([f.idleRssMiB, ...more.map((m) => m.idleRssMiB)]),
  };
}

async function measureLoad(t: Target, o: BenchOptions): Promise<ProviderFigures> {
  const port = await freeLoopbackPort();
  const issuer = `http://127.0.0.1:${port}`;
  const started = performance.now();
  const child = t.start(port);
  let stderr = '';
  child.stderr?.on('data', (d) => { stderr += d; });
  try {
    const readyMs = await waitReady(issuer, child, started);
    const readyCpuMs = cpuMs(child.pid!);
    await sleep(o.settleMs);
    const idleRssMiB = rssMiB(child.pid!);
    const resource = t.resource(issuer);
    const tokenUrl = `${issuer}/token`;
    const pool = new Pool(issuer, { connections: o.concurrency, pipelining: 1 });
    const body = `grant_type=client_credentials&scope=read&resource=${encodeURIComponent(resource)}&client_assertion_type=${encodeURIComponent('urn:ietf:params:oauth:client-assertion-type:jwt-bearer')}&client_assertion=`;
    let errors = 0;
    let firstError: string | undefined;
    const one = async (): Promise<number> => {
      const now = Math.floor(Date.now() / 1000);
      // RFC 7523 §3 (iss = sub = client_id, aud = the issuer, FAPI 2.0 SP §5.3.2.1), fresh jti.
      const assertion = es256({ alg: 'ES256', typ: 'JWT' }, { iss: t.clientId, sub: t.clientId, aud: issuer, jti: randomUUID(), iat: now, exp: now + 60 }, clientKey.privateKey);
      // RFC 9449 §4.2: typ dpop+jwt, the public jwk, htm, htu, iat, fresh jti.
      const proof = es256({ alg: 'ES256', typ: 'dpop+jwt', jwk: dpopJwk }, { htm: 'POST', htu: tokenUrl, iat: now, jti: randomUUID() }, dpopKey);
      const t0 = performance.now();
      const r = await pool.request({ path: '/token', method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', dpop: proof }, body: body + assertion });
      const text = await r.body.text();
      const ms = performance.now() - t0;
      // A DPoP-bound JWT access token (three dot-separated parts) or the request counts as failed.
      if (r.statusCode !== 200 || !text.includes('"token_type":"DPoP"') || !/"access_token":"[\w-]+\.[\w-]+\.[\w-]+"/.test(text)) {
        errors++;
        firstError ??= `${r.statusCode} ${text.slice(0, 300)}`;
      }
      return ms;
    };
    const run = async (n: number): Promise<number[]> => {
      const lat: number[] = [];
      let next = 0;
      await Promise.all(Array.from({ length: o.concurrency }, async () => {
        while (next < n) {
          next++;
          lat.push(await one());
        }
      }));
      return lat;
    };
    await run(o.warmup);
    const warmErrors = errors;
    if (warmErrors === o.warmup && o.warmup > 0) throw new Error(`${t.name}: every warm-up request failed: ${firstError}`);
    errors = 0;
    const cpu0 = cpuMs(child.pid!);
    const t0 = performance.now();
    const lat = await run(o.requests);
    const wall = performance.now() - t0;
    const cpu = cpuMs(child.pid!) - cpu0;
    await pool.close();
    const afterRssMiB = rssMiB(child.pid!);
    lat.sort((a, b) => a - b);
    const q = (p: number) => Math.round(lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] * 10) / 10;
    if (errors) console.log(`  ${t.name}: ${errors} of ${o.requests} requests failed, first: ${firstError}`);
    return { name: t.name, readyMs: Math.round(readyMs), readyCpuMs, idleRssMiB, afterRssMiB, rps: Math.round(o.requests / (wall / 1000)), p50: q(0.5), p99: q(0.99), errors, cpuMsPerReq: Math.round((cpu / o.requests) * 1000) / 1000 };
  } catch (e) {
    if (stderr) console.error(stderr.slice(-2000));
    throw e;
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => (child.exitCode !== null ? r(null) : child.once('exit', r)));
  }
}

// The client's key signs the assertions; a second key signs the DPoP proofs (a client's DPoP key
// is not its authentication key).
const clientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const dpopKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
const dpopJwk = (() => {
  const { kty, crv, x, y } = dpopKey.export({ format: 'jwk' }) as Record<string, string>;
  return { kty, crv, x, y };
})();
const clientJwk = (() => {
  const { kty, crv, x, y } = clientKey.privateKey.export({ format: 'jwk' }) as Record<string, string>;
  const kid = createHash('sha256').update(JSON.stringify({ crv, kty, x, y })).digest('base64url');
  return { kty, crv, x, y, kid, alg: 'ES256', use: 'sig' };
})();

/** Our start with NODE_COMPILE_CACHE set (warm), when measured. */
let cacheStart: { readyMs: number; readyCpuMs: number; idleRssMiB: number } | undefined;

export async function benchProviders(o: BenchOptions): Promise<ProviderFigures[]> {
  const dir = mkdtempSync(join(tmpdir(), 'touchstone-bench-provider-'));
  const config = join(dir, 'provider.json');
  writeFileSync(config, JSON.stringify({
    clients: [{
      client_id: 'bench-client', token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [clientJwk] },
      redirect_uris: ['https://client.example/cb'], grant_types: ['client_credentials'], scope: 'read', dpop_bound_access_tokens: true,
    }],
  }));
  const extra = (process.env.BENCH_NODE_OPTIONS ?? '').split(' ').filter(Boolean);
  // BENCH_OURS_ROOT: another checkout's provider (e.g. an earlier commit, for before/after figures).
  const oursRoot = process.env.BENCH_OURS_ROOT ?? root;
  const targets: Target[] = [
    {
      name: 'ours', clientId: 'bench-client',
      // Generated signing keys, as the provider starts by default; its request log to /dev/null.
      start: (port, env) => spawn(process.execPath, [...extra, join(oursRoot, 'provider/main.ts'), '--config', config, '--port', String(port)], { cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, TOUCHSTONE_STORE: process.env.TOUCHSTONE_STORE ?? 'memory', ...env } }),
      resource: (issuer) => `${issuer}/api/resource`,
    },
    {
      name: 'oidc-provider', clientId: 'bench-client',
      start: (port) => spawn(process.execPath, [join(root, 'peers/oidc-provider/bench.ts'), '--port', String(port), '--resource', `http://127.0.0.1:${port}/api/resource`], {
        cwd: root, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, BENCH_CLIENT_JWK: JSON.stringify(clientJwk) },
      }),
      resource: (issuer) => `${issuer}/api/resource`,
    },
  ];
  const out: ProviderFigures[] = [];
  try {
    for (const t of targets) {
      if (o.only && (o.only === 'ours') !== (t.name === 'ours')) continue;
      out.push(await measure(t, o));
    }
    if (o.only !== 'theirs') {
      // Start figures when NODE_COMPILE_CACHE is set (a launcher's choice): then even the entry file
      // comes from Node's compile cache, and TypeScript stripping (amaro) is never loaded.
      const cache = join(dir, 'compile-cache');
      await startOnly(targets[0], o, { NODE_COMPILE_CACHE: cache });
      const runs = [await startOnly(targets[0], o, { NODE_COMPILE_CACHE: cache }), await startOnly(targets[0], o, { NODE_COMPILE_CACHE: cache }), await startOnly(targets[0], o, { NODE_COMPILE_CACHE: cache })];
      cacheStart = { readyMs: Math.round(median(runs.map((r) => r.readyMs))), readyCpuMs: median(runs.map((r) => r.readyCpuMs)), idleRssMiB: median(runs.map((r) => r.idleRssMiB)) };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return out;
}

export function printFigures(figs: ProviderFigures[], o: BenchOptions): void {
  console.log(`provider benchmark: heavy flow (client_credentials + private_key_jwt ES256 + DPoP ES256 + JWT access token), ${o.requests} requests at ${o.concurrency} concurrent after ${o.warmup} warm-up, Node ${process.versions.node}`);
  console.table(figs.map((f) => ({
    provider: f.name, 'req/s': f.rps, 'p50 ms': f.p50, 'p99 ms': f.p99, errors: f.errors, 'CPU ms/req': f.cpuMsPerReq,
    'spawn-to-ready ms': f.readyMs, 'CPU to ready ms': f.readyCpuMs, 'idle RSS MiB': f.idleRssMiB, 'RSS after MiB': f.afterRssMiB,
  })));
  if (cacheStart) console.log(`ours started with NODE_COMPILE_CACHE set (warm, median of 3): spawn-to-ready ${cacheStart.readyMs} ms (CPU ${cacheStart.readyCpuMs} ms), idle RSS ${cacheStart.idleRssMiB} MiB`);
  const ours = figs.find((f) => f.name === 'ours');
  const theirs = figs.find((f) => f.name !== 'ours');
  if (ours && theirs) {
    const r = (a: number, b: number) => (a / b).toFixed(2);
    console.log(`ours / oidc-provider: throughput ${r(ours.rps, theirs.rps)}x (goal >= 1.5), p99 ${r(ours.p99, theirs.p99)}x (goal <= 1), spawn-to-ready ${r(ours.readyMs, theirs.readyMs)}x (goal <= 1), idle RSS ${ours.idleRssMiB} MiB (goal <= 80)`);
    // CPU per request depends far less on what else the machine runs than req/s does.
    console.log(`CPU per request, oidc-provider / ours: ${r(theirs.cpuMsPerReq, ours.cpuMsPerReq)}x; CPU to ready, ours / oidc-provider: ${r(ours.readyCpuMs, theirs.readyCpuMs)}x; load average now ${loadavg().map((l) => l.toFixed(1)).join(' ')} on ${availableParallelism()} CPUs`);
  }
}

export function benchArgs(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv, allowPositionals: true, strict: false,
    options: { requests: { type: 'string' }, concurrency: { type: 'string' }, warmup: { type: 'string' }, settle: { type: 'string' }, only: { type: 'string' } },
  });
  const int = (v: unknown, d: number) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : d);
  return {
    requests: int(values.requests, Number(process.env.BENCH_REQUESTS) || 8000),
    concurrency: int(values.concurrency, 16),
    warmup: int(values.warmup, 400),
    settleMs: int(values.settle, 2000),
    only: values.only === 'ours' || values.only === 'theirs' ? values.only : undefined,
  };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const o = benchArgs(process.argv.slice(2));
  printFigures(await benchProviders(o), o);
}
