// Spawning the CLI the way a user does: `node harness/cli.ts …` from the repo root.
import { generateKeyPairSync } from 'node:crypto';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';

export const ROOT = resolve(import.meta.dirname, '..', '..');
export const CLI = join(ROOT, 'harness', 'cli.ts');
export const DEFAULT_PLAN = 'plans/default.yaml';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function cli(args: string[], opts: { env?: Record<string, string>; timeoutMs?: number } = {}): Promise<CliResult> {
  return new Promise((done, fail) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
    delete env.FORCE_COLOR; // vitest sets it; with NO_COLOR too, node prints a warning on stderr
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => { stdout += d.toString(); });
    child.stderr.on('data', (d: Buffer) => { stderr += d.toString(); });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    child.on('error', fail);
    child.on('close', (code) => {
      clearTimeout(timer);
      done({ code, stdout, stderr });
    });
  });
}

/** Non-empty lines of a stream's output. */
export const lines = (s: string): string[] => s.split('\n').filter((l) => l.trim() !== '');

export function tempDir(prefix = 'touchstone-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** plans/default.yaml, changed by `edit`, written to a temp file; returns its path. */
export function variantOfDefaultPlan(name: string, edit: (plan: Record<string, any>) => void): string {
  const plan = parse(readFileSync(join(ROOT, DEFAULT_PLAN), 'utf8')) as Record<string, any>;
  edit(plan);
  const file = join(tempDir(), `${name}.yaml`);
  writeFileSync(file, stringify(plan));
  return file;
}

/** Every file under dir whose bytes contain one of the needles: [file, needle]. */
export function filesContaining(dir: string, needles: string[]): [string, string][] {
  const hits: [string, string][] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) {
        const bytes = readFileSync(p);
        for (const n of needles) if (bytes.includes(n)) hits.push([p, n]);
      }
    }
  };
  walk(dir);
  return hits;
}

/** Signing keys for a reference provider config (`provider.config.keys`), made once per test file:
 *  each provider the file starts then makes no RSA keys (slow on a loaded machine), as the fault self-test does. */
export function signingKeys(prefix = 'test'): Record<string, unknown>[] {
  return (['RS256', 'PS256', 'ES256'] as const).map((alg) => ({
    ...(alg === 'ES256' ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : generateKeyPairSync('rsa', { modulusLength: 2048 })).privateKey.export({ format: 'jwk' }),
    alg, kid: `${prefix}-${alg.toLowerCase()}`, use: 'sig',
  }));
}
