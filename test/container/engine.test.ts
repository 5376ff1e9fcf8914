// `launch: container` against a real engine: the reference image starts, answers on 127.0.0.1 only,
// serves the issuer the harness derived, takes env (fault switches) and a copied config file, and its
// log ends up in the report dir. Skipped, with the reason, when there is no engine or no image
// (scripts/ci-container.sh builds it; `npm test` must pass on machines without Docker).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadPlan } from '../../harness/engine/load-plan.ts';
import { probeEngine } from '../../harness/engine/container.ts';
import { startTarget } from '../../harness/engine/target.ts';
import type { Plan } from '../../harness/core/types.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const IMAGE = 'touchstone-provider:local';

async function whyNot(): Promise<string | undefined> {
  const engine = await probeEngine();
  if (!engine.ok) return `no container engine: ${engine.reason}`;
  try {
    execFileSync('docker', ['image', 'inspect', IMAGE], { stdio: 'ignore', timeout: 10_000 });
  } catch {
    return `image ${IMAGE} not built (scripts/ci-container.sh builds it)`;
  }
  return undefined;
}
const skipReason = await whyNot();
if (skipReason) console.warn(`test/container/engine.test.ts: skipped: ${skipReason}`);

const dir = mkdtempSync(join(tmpdir(), 'touchstone-container-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const inspect = (id: string) => JSON.parse(execFileSync('docker', ['inspect', id], { encoding: 'utf8' }))[0];

describe.skipIf(!!skipReason)(`launch: container (${skipReason ? `skipped: ${skipReason}` : IMAGE})`, () => {
  let plan: Plan;
  beforeAll(async () => {
    plan = await loadPlan(join(ROOT, 'plans/container.yaml'));
  });

  it('starts the image on 127.0.0.1, serves the derived issuer, keeps the log as container.log, and removes the container', async () => {
    const logFile = join(dir, 'provider.log');
    const target = await startTarget(plan, { logFile });
    let id: string | undefined;
    try {
      expect(target.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(target.ttl.code).toBe(2);
      expect(target.logFile).toBe(join(dir, 'container.log'));
      const disc = await (await fetch(`${target.issuer}/.well-known/openid-configuration`)).json() as { issuer: string };
      expect(disc.issuer).toBe(target.issuer); // the copied config file got ${issuer}
      const port = new URL(target.issuer).port;
      id = execFileSync('docker', ['ps', '-q', '--filter', `publish=${port}`], { encoding: 'utf8' }).trim();
      expect(id).not.toBe('');
      const info = inspect(id);
      expect(info.HostConfig.PortBindings['9400/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: port }]);
      expect(info.Config.User).toBe('10001:10001');
    } finally {
      await target.stop();
    }
    const log = readFileSync(target.logFile!, 'utf8');
    expect(log).toMatch(/"msg":"listening"/);
    expect(log).toMatch(/"path":"\/\.well-known\/openid-configuration","status":200/);
    expect(existsSync(join(dir, 'provider.log'))).toBe(false);
    expect(execFileSync('docker', ['ps', '-aq', '--filter', `id=${id}`], { encoding: 'utf8' }).trim()).toBe('');
  });

  it('passes env to the image (TOUCHSTONE_FAULTS turns a fault switch on)', async () => {
    const faulty: Plan = { ...plan, provider: { ...plan.provider, env: { TOUCHSTONE_FAULTS: 'discovery-wrong-issuer' } } };
    const target = await startTarget(faulty);
    try {
      expect(target.faults).toEqual(['discovery-wrong-issuer']);
      const disc = await (await fetch(`${target.issuer}/.well-known/openid-configuration`)).json() as { issuer: string };
      expect(disc.issuer).not.toBe(target.issuer);
    } finally {
      await target.stop();
    }
  });

  it('an image that never becomes ready fails with one line naming the image and path', async () => {
    const bad: Plan = { ...plan, provider: { ...plan.provider, ready_path: '/no-such-path', start_timeout: 5 } };
    const badDir = mkdtempSync(join(dir, 'bad-'));
    const before = execFileSync('docker', ['ps', '-aq'], { encoding: 'utf8' }).trim();
    const err = await startTarget(bad, { logFile: join(badDir, 'provider.log') }).then(() => undefined, (e: unknown) => e);
    expect((err as Error)?.message).toMatch(new RegExp(`container ${IMAGE} did not become ready on /no-such-path`));
    expect((err as Error).message).not.toContain('\n');
    expect(readFileSync(join(badDir, 'container.log'), 'utf8')).toMatch(/"path":"\/no-such-path","status":404/);
    expect(execFileSync('docker', ['ps', '-aq'], { encoding: 'utf8' }).trim()).toBe(before); // not left behind
  });
});
