// Several instances: plans/multi-instance.yaml starts two reference providers (one issuer, one set
// of keys) on a private redis-server, and every race module, its copies split across the two,
// passes; with a store-layer fault switch on, the module for its rule fails (or warns, below MUST).
// Without redis-server (not installed, not root) the runs are skipped with the reason, never passed.
// The plan's `instances` fields are validated with one clear line each.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../harness/engine/load-plan.ts';
import { runPlanDirect } from '../../harness/engine/direct.ts';
import { startTarget, TargetUnavailableError } from '../../harness/engine/target.ts';
import { redisUnavailableReason } from '../../harness/engine/redis-server.ts';
import { atInstance } from '../../harness/engine/steps/race.ts';
import type { ModuleResult } from '../../harness/core/types.ts';
import { startInProcess } from '../in-process.ts';
import { planEdits, planError } from './helpers.ts';

const PLAN = new URL('../../plans/multi-instance.yaml', import.meta.url).pathname;
const unavailable = redisUnavailableReason();
const title = (t: string) => (unavailable ? `${t} [skipped: ${unavailable}]` : t);
const statusOf = (res: ModuleResult[]) => Object.fromEntries(res.map((r) => [r.id, r.status]));

describe.skipIf(unavailable !== undefined)('plans/multi-instance.yaml on Redis', () => {
  it(title('two instances answer with one issuer and one key set'), async () => {
    const target = await startTarget(await loadPlan(PLAN), { inProcess: startInProcess });
    try {
      expect(target.instances).toHaveLength(2);
      expect(target.instances![0]).toBe(target.issuer);
      const [a, b] = await Promise.all(target.instances!.map(async (u) => (await fetch(`${u}/.well-known/openid-configuration`)).json() as Promise<{ issuer: string }>));
      expect([a.issuer, b.issuer]).toEqual([target.issuer, target.issuer]);
      const [ka, kb] = await Promise.all(target.instances!.map(async (u) => JSON.stringify(await (await fetch(`${u}/jwks`)).json())));
      expect(ka).toBe(kb);
    } finally {
      await target.stop();
    }
  }, 60_000);

  it(title('every race module passes with its copies split across the instances'), async () => {
    const res = await runPlanDirect(await loadPlan(PLAN), { inProcess: startInProcess });
    expect(statusOf(res)).toEqual({
      'race-code-redemption-across-instances': 'passed',
      'race-refresh-rotation-across-instances': 'passed',
      'race-client-assertion-across-instances': 'passed',
      'race-dpop-proof-across-instances': 'passed',
    });
  }, 120_000);

  it(title('the DPoP proof race takes the server nonce a token endpoint requires (RFC 9449 §8)'), async () => {
    const { planFile } = planEdits(PLAN, 'touchstone-nonce-');
    const p = await loadPlan(planFile((d) => (d.provider.config.dpop = { nonce: { token: true } })));
    const res = await runPlanDirect(p, { inProcess: startInProcess, modules: ['race-dpop-proof-across-instances'] });
    expect(statusOf(res)).toEqual({ 'race-dpop-proof-across-instances': 'passed' });
    // The first round was asked for a nonce, the second carried it: 8 + 8 copies, then one more.
    expect(res[0].findings.find((f) => f.check === 'dpop-proof-used-once-concurrently')?.message).toMatch(/^1 of 8 concurrent requests/);
    const statuses = res[0].exchanges.flatMap((ex) => ('response' in ex && ex.response ? [(ex.response as { status: number }).status] : []));
    expect(statuses.length).toBe(1 + 8 + 8 + 1); // discovery, the nonce round, the race, one more
    expect(statuses.slice(1, 9)).toEqual(Array(8).fill(400));
  }, 120_000);

  it.each([
    ['store-consume-not-atomic', 'race-code-redemption-across-instances', 'failed', 'RFC6749-4.1.2-code-race'],
    ['assertion-jti-per-instance', 'race-client-assertion-across-instances', 'warning', 'OIDCC-9-assertion-jti-race'],
    ['dpop-jti-per-instance', 'race-dpop-proof-across-instances', 'warning', 'RFC9449-11.1-jti-race'],
  ])(title('with %s on, %s is %s citing %s'), async (fault, module, status, rule) => {
    const res = await runPlanDirect(await loadPlan(PLAN), { inProcess: startInProcess, faults: [fault], modules: [module] });
    expect(res.map((r) => [r.id, r.status])).toEqual([[module, status]]);
    const broken = res[0].findings.filter((f) => !f.ok);
    expect(broken.map((f) => f.citation.id)).toEqual([rule]);
    expect(broken[0].message).toMatch(/found [2-8]/);
  }, 120_000);
});

if (unavailable) {
  describe('plans/multi-instance.yaml (no redis-server here)', () => {
    it.skip(`skipped: ${unavailable}`, () => {});
  });
}

// A correct provider we did not write: oidc-provider (the peer, fapi2 profile: DPoP required at
// its token endpoint), one process reached at two spellings of its URL, passes both jti races.
describe('the jti races against oidc-provider (one instance, two URLs)', () => {
  const PEER_PLAN = new URL('../../plans/peer/fapi2-security-profile.yaml', import.meta.url).pathname;
  const { planFile } = planEdits(PEER_PLAN, 'touchstone-peer-races-');
  it('one assertion and one DPoP proof are each served once', async () => {
    const { freeLoopbackPort } = await import('../../harness/engine/container.ts');
    const port = await freeLoopbackPort();
    const issuer = `http://127.0.0.1:${port}`;
    const peer = spawn(process.execPath, [new URL('../../peers/oidc-provider/main.ts', import.meta.url).pathname, '--profile', 'fapi2', '--port', String(port)], { stdio: 'ignore' });
    try {
      for (let i = 0; i < 100 && !(await fetch(`${issuer}/.well-known/openid-configuration`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 100));
      const p = await loadPlan(planFile((d) => {
        d.provider = { launch: 'external', issuer, instances: [issuer, `${issuer}/`] };
        // The plan's first combination over plain http: no matrix, no TLS client certificates.
        delete d.matrix;
        for (const [k, v] of Object.entries(d.variants)) if (Array.isArray(v)) d.variants[k] = v[0];
        for (const [role, c] of Object.entries(d.clients as Record<string, { certificate?: unknown }>)) if (c.certificate) delete d.clients[role];
        d.variants.instances = 'several';
        delete d.expected_failures;
        delete d.severity;
        // Its token endpoint requires DPoP: the assertion race sends a fresh proof with each copy.
        d.define = [{ id: 'race-client-assertion-dpop', title: 'One client assertion on 8 concurrent DPoP token requests is accepted once', proves: ['OIDCC-9-assertion-jti-race'], applies: { instances: ['several'] },
          steps: [{ do: 'discover' }, { id: 'race', do: 'race', with: { grant: 'client_credentials', same: 'client_assertion', client: 'service', copies: 8, across: 'instances', dpop: true } }] }];
        d.modules = ['race-client-assertion-dpop', 'race-dpop-proof-across-instances'];
      }));
      const res = await runPlanDirect(p);
      expect(statusOf(res)).toEqual({ 'race-client-assertion-dpop': 'passed', 'race-dpop-proof-across-instances': 'passed' });
    } finally {
      peer.kill('SIGTERM');
    }
  }, 60_000);
});

describe('provider.instances in a plan', () => {
  const { planFile } = planEdits(PLAN, 'touchstone-instances-');
  it('the shipped plan loads', async () => {
    const p = await loadPlan(PLAN);
    expect([p.provider.instances, p.provider.shared_store, p.variants?.instances]).toEqual([2, 'redis', 'several']);
  });
  it.each([
    ['a count needs a store the instances share', (d: Record<string, any>) => delete d.provider.shared_store, /^\/provider\/instances: 2 instances need a store they share: set \/provider\/shared_store: redis/],
    ['a count is for launch: process', (d: Record<string, any>) => Object.assign(d.provider, { launch: 'external', issuer: 'http://127.0.0.1:9400', config: undefined, shared_store: undefined }), /^\/provider\/instances: a count applies when launch is process or command/],
    ['a command\'s instances need ${port} in the issuer', (d: Record<string, any>) => Object.assign(d.provider, { launch: 'command', command: ['node', 'op.js'], issuer: 'http://127.0.0.1:9400', config: undefined }), /^\/provider\/instances: with launch: command, \/provider\/issuer must contain \$\{port\}/],
    ['a command\'s instances need shared_store', (d: Record<string, any>) => Object.assign(d.provider, { launch: 'command', command: ['node', 'op.js'], issuer: 'http://127.0.0.1:${port}', config: undefined, shared_store: undefined }), /^\/provider\/instances: 2 instances of a command need a store they share/],
    ['a list is for launch: external', (d: Record<string, any>) => (d.provider.instances = ['http://127.0.0.1:9401', 'http://127.0.0.1:9402']), /^\/provider\/instances: a list of URLs applies when launch is external/],
    ['listed instances are on loopback', (d: Record<string, any>) => (d.provider = { launch: 'external', issuer: 'http://127.0.0.1:9400', instances: ['http://127.0.0.1:9401', 'http://10.0.0.2:9400'] }), /^\/provider\/instances\/1 host 10\.0\.0\.2 is not on loopback/],
    ['one instance is not several', (d: Record<string, any>) => (d.provider.instances = 1), /^\/provider\/instances must be >= 2/],
    ['shared_store needs a count', (d: Record<string, any>) => delete d.provider.instances, /^\/provider\/shared_store only applies with launch: process or command and a count/],
    ['the variant follows the instances', (d: Record<string, any>) => delete d.variants.instances, /^\/variants\/instances must be several when \/provider\/instances is set/],
    ['the variant needs instances', (d: Record<string, any>) => (d.provider = { launch: 'process' }), /^\/variants\/instances: several needs \/provider\/instances/],
  ])('%s', async (_name, edit, message) => {
    expect(await planError(planFile(edit))).toMatch(message);
  });
  it('an external provider lists its instances; the target hands them on', async () => {
    const p = await loadPlan(planFile((d) => (d.provider = { launch: 'external', issuer: 'http://127.0.0.1:9400/', instances: ['http://127.0.0.1:9401/', 'http://localhost:9402'] })));
    const t = await startTarget(p);
    expect([t.issuer, t.instances]).toEqual(['http://127.0.0.1:9400', ['http://127.0.0.1:9401', 'http://localhost:9402']]);
  });
  it('a race copy goes to the same path at each instance (the instance stands where the issuer stands)', () => {
    expect(atInstance('http://127.0.0.1:9400/token', 'http://127.0.0.1:9400', 'http://127.0.0.1:9401')).toBe('http://127.0.0.1:9401/token');
    expect(atInstance('http://127.0.0.1:9400/realms/x/protocol/token', 'http://127.0.0.1:9400/realms/x', 'http://127.0.0.1:9401/realms/x/')).toBe('http://127.0.0.1:9401/realms/x/protocol/token');
    // An endpoint outside the issuer's path keeps its path at the instance's origin.
    expect(atInstance('http://127.0.0.1:9400/oauth/token?x=1', 'http://127.0.0.1:9400/realms/x', 'http://127.0.0.1:9401')).toBe('http://127.0.0.1:9401/oauth/token?x=1');
  });
});

describe('without redis-server, a plan that asks for one is skipped with the reason', () => {
  it('TargetUnavailableError naming redis-server', async () => {
    const before = process.env.TOUCHSTONE_REDIS_SERVER;
    process.env.TOUCHSTONE_REDIS_SERVER = '/nonexistent/redis-server';
    try {
      const err = await startTarget(await loadPlan(PLAN), { inProcess: startInProcess }).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(TargetUnavailableError);
      expect((err as Error).message).toMatch(/^multi-instance path skipped: TOUCHSTONE_REDIS_SERVER=\/nonexistent\/redis-server does not exist; provider.shared_store: redis needs redis-server\. Nothing ran/);
    } finally {
      if (before === undefined) delete process.env.TOUCHSTONE_REDIS_SERVER;
      else process.env.TOUCHSTONE_REDIS_SERVER = before;
    }
  });
});
