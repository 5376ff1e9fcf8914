// The vitest file a Touchstone run executes (harness/run.ts drives vitest with an inline config;
// the project's own vitest.config.ts only includes test/**). One test per selected module, run
// concurrently (bounded by maxConcurrency = workers). Inputs come from the TOUCHSTONE_* env.
import { beforeAll, afterAll, describe, test } from 'vitest';
import * as allure from 'allure-js-commons';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { isAbsolute, join } from 'node:path';
import {
  loadPlan, loadCatalog, applicability, createRunContext, runModule, closeRunContext, maskSecrets, secretsOf,
  type RunContext,
} from '../harness/engine/api.ts';
import type { ModuleDef, ModuleResult } from '../harness/core/types.ts';
import { levelOf, type Finding } from '../harness/core/finding.ts';
import { isCitationId, cite } from '../harness/core/citations.ts';
import { formatFinding } from '../harness/reporters/format.ts';
import { renderRequest, renderResponse, httpStepName, browserStepName, findingsHtml } from '../harness/reporters/render.ts';
import { ENV, type TargetEnv, type TouchstoneMeta } from '../harness/reporters/meta.ts';

function env(name: string): string {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: suites/plan.suite.ts runs under \`touchstone run\`, not on its own`);
  return v;
}

const planFile = env(ENV.plan);
const runDir = env(ENV.runDir);
const target = JSON.parse(env(ENV.target)) as TargetEnv;
const ids = JSON.parse(env(ENV.modules)) as string[];
const workers = Math.max(1, Number(process.env[ENV.workers] ?? 2) || 2);

const loaded = await loadPlan(planFile);
// The harness made the provider's keys for this run: forge with its RS256 key (masked like any signing_key).
const plan = target.forgingKey && loaded.resource ? { ...loaded, resource: { ...loaded.resource, signing_key: target.forgingKey } } : loaded;
const catalog = loadCatalog(plan);
const secrets = secretsOf(plan);
const mask = <T>(v: T): T => maskSecrets(v, secrets);
const modules: ModuleDef[] = ids.map((id) => {
  const mod = catalog.modules.get(id);
  if (!mod) throw new Error(`module ${id} is not in the catalog`);
  return mod;
});

/** Findings failed: the provider broke a rule (Allure "failed": the name says assertion). */
class ConformanceAssertionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConformanceAssertionError';
    this.stack = `${this.name}: ${message}`; // the findings are the story; a stack into this file is noise
  }
}

/** The module failed without a failing finding (engine error, timeout): Allure "broken". */
class ModuleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModuleError';
    this.stack = `${this.name}: ${message}`;
  }
}

const LEVEL_RANK = { MUST: 0, SHOULD: 1, MAY: 2 } as const;
const failingFindings = (r: ModuleResult): Finding[] =>
  r.findings.filter((f) => !f.ok).sort((a, b) => (LEVEL_RANK[levelOf(a)] ?? 3) - (LEVEL_RANK[levelOf(b)] ?? 3));

function severityOf(mod: ModuleDef): string {
  const levels = mod.proves.filter(isCitationId).map((id) => cite(id).level);
  if (levels.includes('MUST')) return 'critical';
  if (levels.includes('SHOULD')) return 'normal';
  return levels.length ? 'minor' : 'normal';
}

const asList = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

function skippedResult(mod: ModuleDef, reason: string, status: 'skipped' | 'not_applicable'): ModuleResult {
  return {
    id: mod.id, title: mod.title, counterpart: mod.counterpart, proves: mod.proves, status, reason,
    findings: [], expectedFailures: [], exchanges: [], startedAt: new Date().toISOString(), ms: 0,
  };
}

async function readEvidence(dir: string | undefined, file: string): Promise<Buffer | undefined> {
  try {
    return await readFile(isAbsolute(file) || !dir ? file : join(dir, file));
  } catch {
    return undefined;
  }
}

/** Everything the Allure report shows for one module: labels, one step per exchange, findings. */
async function reportToAllure(mod: ModuleDef, r: ModuleResult): Promise<void> {
  // parentSuite = plan name (the describe block), suite = the suite file the module comes from.
  await allure.suite(mod.source?.startsWith('suites/') ? mod.source.slice('suites/'.length).replace(/\.ya?ml$/, '') : 'plan-defined');
  for (const c of asList(mod.counterpart)) await allure.feature(c);
  if (!mod.counterpart) await allure.feature('touchstone');
  await allure.story(mod.title);
  await allure.tags(...mod.proves);
  await allure.severity(severityOf(mod));
  await allure.parameter('issuer', target.issuer);
  if (target.faults.length) await allure.parameter('faults', target.faults.join(','));
  for (const [k, v] of Object.entries(plan.variants ?? {})) await allure.parameter(`variant ${k}`, String(v));
  const proves = mod.proves.map((id) => (isCitationId(id) ? `- **${id}** — ${cite(id).spec} §${cite(id).section} (${cite(id).level}): ${cite(id).text}` : `- **${id}**`));
  await allure.description(`${mod.title}\n\nProves:\n${proves.join('\n')}${mod.source ? `\n\nDefined in \`${mod.source}\`.` : ''}${r.reason ? `\n\n**${r.status}:** ${r.reason}` : ''}`);

  const bad = new Map<string, Finding[]>();
  for (const f of failingFindings(r)) if (f.exchange) bad.set(f.exchange, [...(bad.get(f.exchange) ?? []), f]);
  for (const x of r.exchanges) {
    const failures = bad.get(x.id);
    const name = x.kind === 'http' ? httpStepName(x) : browserStepName(x);
    await allure.step(name, async () => {
      if (x.kind === 'http') {
        await allure.attachment('request', renderRequest(x), 'text/plain');
        await allure.attachment('response', renderResponse(x), 'text/plain');
      } else {
        if (x.screenshot) {
          const png = await readEvidence(r.evidenceDir, x.screenshot);
          if (png) await allure.attachment('screenshot', png, 'image/png');
        }
        if (x.pageText) await allure.attachment('page text', x.pageText, 'text/plain');
      }
      // A red step for an exchange a finding failed on (allure.step records the throw, we swallow it).
      if (failures) throw new ConformanceAssertionError(failures.map(formatFinding).join('\n'));
    }).then(undefined, (err: unknown) => {
      if (!(err instanceof ConformanceAssertionError)) throw err;
    });
  }
  await allure.attachment('findings', findingsHtml(r), 'text/html');
}

function metaOf(r: ModuleResult): TouchstoneMeta {
  const failing = failingFindings(r);
  return {
    id: r.id, status: r.status, reason: r.reason, ms: r.ms, counterpart: r.counterpart,
    counts: { findings: r.findings.length, failed: failing.length, expectedFailures: r.expectedFailures.length },
    failures: failing.map(formatFinding),
  };
}

let ctx: RunContext | undefined;

beforeAll(async () => {
  await mkdir(join(runDir, 'modules'), { recursive: true });
  ctx = await createRunContext(plan, target, { runDir, workers });
});

afterAll(async () => {
  if (ctx) await closeRunContext(ctx);
});

describe.concurrent(plan.name, () => {
  for (const mod of modules) {
    test(mod.id, async (t) => {
      if (!ctx) throw new Error('run context was not created');
      const a = applicability(mod, plan);
      const raw = a.applies ? await runModule(ctx, mod) : skippedResult(mod, a.reason, a.status);
      const r = mask(raw);
      await writeFile(join(runDir, 'modules', `${mod.id}.json`), `${JSON.stringify(r, null, 2)}\n`);
      const meta = metaOf(r);
      t.task.meta.touchstone = meta;
      await reportToAllure(mod, r);

      switch (r.status) {
        case 'passed':
          return;
        case 'skipped':
          t.skip(r.reason ?? 'skipped');
          return;
        case 'not_applicable':
          // JUnit and Allure have no such status: skipped, with the reason saying why it does not apply.
          await allure.tag('not applicable');
          t.skip(`not applicable: ${r.reason ?? 'the plan says it does not apply'}`);
          return;
        case 'warning':
          await t.annotate(meta.failures.length ? meta.failures.join('\n') : (r.reason ?? 'warning'), 'warning');
          await allure.tag('warning');
          return;
        default: {
          if (!meta.failures.length) throw new ModuleError(`${mod.id} failed: ${r.reason ?? 'no failing finding and no reason given'}`);
          throw new ConformanceAssertionError(`${mod.id} failed:\n${meta.failures.map((l) => `  ${l}`).join('\n')}`);
        }
      }
    });
  }
});
