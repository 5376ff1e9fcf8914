// The plan's `resource` section (issue 7): valid as shipped, and one clear line per mistake.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadPlan } from '../../harness/engine/load-plan.ts';
import { exportJWK, generateKeyPair } from 'jose';
import { forgingKey, resolveResource, resourceOrigins } from '../../harness/engine/resource-target.ts';
import { startTarget } from '../../harness/engine/target.ts';
import { startInProcess } from '../in-process.ts';
import { planEdits, planError } from './helpers.ts';

const PLAN = resolve(import.meta.dirname, '../../plans/resource-server.yaml');
const { planFile } = planEdits(PLAN, 'touchstone-resource-plan-');

describe('plan resource section', () => {
  it('plans/resource-server.yaml loads; targets resolve against the issuer', async () => {
    const p = await loadPlan(PLAN);
    const r = resolveResource(p, 'http://127.0.0.1:9400');
    expect(r.targets.main).toEqual({ name: 'main', url: 'http://127.0.0.1:9400/api/resource', methods: ['GET', 'POST'], audience: 'http://127.0.0.1:9400/api/resource' });
    expect(resourceOrigins(p, 'http://127.0.0.1:9400')).toEqual(['http://127.0.0.1:9400', 'http://127.0.0.1:9400']);
  });
  it('signing_key: provider-config without config keys: the target makes the keys and forges with their RS256 key', async () => {
    const p = await loadPlan(PLAN);
    expect(forgingKey(p)).toBeUndefined(); // the plan itself holds no keys
    const target = await startTarget(p, { inProcess: startInProcess });
    try {
      expect(target.forgingKey).toMatchObject({ kty: 'RSA', alg: 'RS256' });
      expect(typeof target.forgingKey?.d).toBe('string');
      const jwks = (await (await fetch(`${target.issuer}/jwks`)).json()) as { keys: { kid: string }[] };
      expect(jwks.keys.map((k) => k.kid)).toContain(target.forgingKey?.kid);
    } finally {
      await target.stop();
    }
  });
  it('signing_key: provider-config with config keys: the configured RS256 key, nothing made', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const key = { ...(await exportJWK(privateKey)), alg: 'RS256', kid: 'configured-rs256' };
    const p = await loadPlan(PLAN);
    const withKeys = { ...p, provider: { ...p.provider, config: { ...(p.provider.config as Record<string, unknown>), keys: [key] } } };
    expect(forgingKey(withKeys)?.kid).toBe('configured-rs256');
    const target = await startTarget(withKeys, { inProcess: startInProcess });
    await target.stop();
    expect(target.forgingKey).toBeUndefined();
  });
  it('requires targets.main', async () => {
    expect(await planError(planFile((d) => { d.resource.targets = { other: { url: 'http://127.0.0.1:1/x' } }; }))).toBe('/resource/targets/main is required');
  });
  it('refuses an unknown field', async () => {
    expect(await planError(planFile((d) => { d.resource.refresh = 3; }))).toBe('/resource/refresh is not a known field');
  });
  it('refuses a token client that is not in /clients', async () => {
    expect(await planError(planFile((d) => { d.resource.token.client = 'nobody'; }))).toMatch(/^\/resource\/token\/client: no client "nobody" in \/clients/);
  });
  it('refuses a target that is not on loopback', async () => {
    expect(await planError(planFile((d) => { d.resource.targets.main.url = 'https://api.example/orders'; }))).toBe('/resource/targets/main/url host api.example is not on loopback; Touchstone only sends traffic to loopback hosts');
  });
  it('refuses signing_key provider-config for an external provider', async () => {
    expect(await planError(planFile((d) => { d.provider = { launch: 'external', issuer: 'http://127.0.0.1:9400' }; }))).toMatch(/^\/resource\/signing_key: provider-config needs launch process/);
  });
});
