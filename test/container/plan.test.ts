// `launch: container` plans without a container engine: schema and meaning of the container fields,
// placeholder substitution, and the no-engine path (skipped with its reason, never a pass).
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadPlan } from '../../harness/engine/load-plan.ts';
import { planEdits, planError, type PlanDoc as Doc } from '../plan/helpers.ts';
import { probeEngine, substitute } from '../../harness/engine/container.ts';
import { startTarget, TargetUnavailableError } from '../../harness/engine/target.ts';
import { cli, lines, tempDir } from '../cli/helpers.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const CONTAINER_PLAN = join(ROOT, 'plans/container.yaml');
const { dir, planFile } = planEdits(CONTAINER_PLAN, 'touchstone-container-plan-');
mkdirSync(join(dir, 'container'));
copyFileSync(join(ROOT, 'plans/container/provider.yaml'), join(dir, 'container/provider.yaml'));

describe('launch: container in plans', () => {
  it('plans/container.yaml is valid and runs the default plan\'s modules', async () => {
    const plan = await loadPlan(CONTAINER_PLAN);
    const def = parse(readFileSync(join(ROOT, 'plans/default.yaml'), 'utf8')) as Doc;
    expect(plan.provider).toMatchObject({ launch: 'container', image: 'touchstone-provider:local', port: 9400, ready_path: '/health' });
    expect(plan.modules).toEqual(def.modules);
    expect(plan.clients).toEqual(def.clients);
    expect(plan.provider.ttl?.code).toBe(2);
  });

  it.each([
    ['image is required', (d: Doc) => delete d.provider.image, /\/provider\/image is required when launch is container/],
    ['port is required', (d: Doc) => delete d.provider.port, /\/provider\/port .* is required when launch is container/],
    ['faults are process-only', (d: Doc) => (d.provider.faults = ['drop-state']), /\/provider\/faults only applies when launch is process .*TOUCHSTONE_FAULTS/],
    ['config is process-only', (d: Doc) => (d.provider.config = { ttl: { code: 2 } }), /\/provider\/config only applies when launch is process/],
    ['issuer is derived', (d: Doc) => (d.provider.issuer = 'http://127.0.0.1:9400'), /\/provider\/issuer does not apply when launch is container/],
    ['config_file source must exist', (d: Doc) => (d.provider.config_file.source = 'nope.yaml'), /\/provider\/config_file\/source: no such file nope\.yaml/],
    ['config_file target is absolute', (d: Doc) => (d.provider.config_file.target = 'rel/x.yaml'), /\/provider\/config_file\/target/],
    ['ready_path starts with /', (d: Doc) => (d.provider.ready_path = 'health'), /\/provider\/ready_path/],
    ['env values are strings', (d: Doc) => (d.provider.env = { A: 1 }), /\/provider\/env\/A/],
    ['port is a port', (d: Doc) => (d.provider.port = 70000), /\/provider\/port/],
  ])('%s', async (_name, mutate, rule) => {
    expect(await planError(planFile(mutate))).toMatch(rule);
  });

  it('container fields are refused on process and external plans (existing fields unchanged)', async () => {
    const def = join(ROOT, 'plans/default.yaml');
    expect(await planError(planFile((d) => (d.provider.image = 'x:1'), def))).toMatch(/\/provider\/image only applies when launch is container/);
    expect(await planError(planFile((d) => {
      d.provider = { launch: 'external', issuer: 'http://127.0.0.1:9400', env: { A: 'b' } };
    }, def))).toMatch(/\/provider\/env only applies when launch is container/);
    await expect(loadPlan(def)).resolves.toMatchObject({ provider: { launch: 'process' } });
  });
});

describe('README: Gating a release on your own image', () => {
  it('its example plan is a valid launch: container plan', async () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Gating a release on your own image'));
    const yaml = /```yaml\n(# plans\/acme-release\.yaml[\s\S]*?)```/.exec(section)?.[1];
    expect(yaml, 'README example plan').toBeDefined();
    const at = mkdtempSync(join(dir, 'readme-'));
    mkdirSync(join(at, 'acme'));
    writeFileSync(join(at, 'acme/clients.json'), '{}');
    writeFileSync(join(at, 'acme-release.yaml'), yaml!);
    const plan = await loadPlan(join(at, 'acme-release.yaml'));
    expect(plan.provider).toMatchObject({ launch: 'container', port: 8080, issuer_path: '/realms/touchstone' });
  });
});

describe('container placeholders', () => {
  it('replaces ${issuer} and ${host_port} and leaves every other ${...} alone', () => {
    const vars = { issuer: 'http://127.0.0.1:4711', host_port: 4711 };
    expect(substitute('issuer: ${issuer}\nport: ${host_port}\nmsg: ${locale.name} $issuer', vars))
      .toBe('issuer: http://127.0.0.1:4711\nport: 4711\nmsg: ${locale.name} $issuer');
  });
});

describe('no container engine', () => {
  it('probeEngine reports the reason and never throws', async () => {
    const r = await probeEngine(() => Promise.reject(new Error('Could not find a working container runtime strategy\nmore')));
    expect(r).toEqual({ ok: false, reason: 'Could not find a working container runtime strategy' });
    expect(await probeEngine(() => Promise.resolve())).toEqual({ ok: true });
  });

  it('startTarget refuses with a skip reason, not a target', async () => {
    const plan = await loadPlan(CONTAINER_PLAN);
    const before = process.env.TOUCHSTONE_CONTAINER_ENGINE;
    process.env.TOUCHSTONE_CONTAINER_ENGINE = 'off';
    try {
      const err = await startTarget(plan).then(() => undefined, (e: unknown) => e);
      expect(err).toBeInstanceOf(TargetUnavailableError);
      expect((err as Error).message).toMatch(/^container path skipped: no container engine reachable \(TOUCHSTONE_CONTAINER_ENGINE=off\)/);
    } finally {
      if (before === undefined) delete process.env.TOUCHSTONE_CONTAINER_ENGINE;
      else process.env.TOUCHSTONE_CONTAINER_ENGINE = before;
    }
  });

  it('the CLI stops with one line naming the reason, exits non-zero and reports nothing as passed', async () => {
    const out = tempDir();
    const r = await cli(['run', 'plans/container.yaml', '--module', 'discovery', '--report-dir', out], { env: { TOUCHSTONE_CONTAINER_ENGINE: 'off' } });
    expect(r.code).toBe(1);
    const errLines = lines(r.stderr);
    expect(errLines).toHaveLength(1);
    expect(errLines[0]).toMatch(/container path skipped: no container engine reachable \(TOUCHSTONE_CONTAINER_ENGINE=off\)/);
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8'));
    expect(summary.counts.passed).toBe(0);
    expect(r.stdout).not.toMatch(/✓ passed/);
    rmSync(out, { recursive: true, force: true });
  });
});
