// junit.xml from the run summary: one <testcase> per module. A module failed on findings gets a
// <failure> listing them (MUST first); failed without a finding (engine error, timeout) an <error>;
// skipped and not applicable a <skipped message>; a warning passes with its findings in <system-out>.
// A gate that failed for a reason no module's testcase shows (--strict on skips, warnings or unmet
// expected failures; nothing passed; a run error) is one more testcase, "gate", failed with the
// reasons, so a CI tool reading junit.xml agrees with the exit code.
import { hostname } from 'node:os';
import type { RunSummary } from '../core/types.ts';
import { failingFindings, formatFinding } from './format.ts';

const esc = (s: string) =>
  // eslint-disable-next-line no-control-regex
  s.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const secs = (ms: number) => (ms / 1000).toFixed(3);

export function junitXml(summary: RunSummary): string {
  const c = { tests: summary.modules.length, failures: 0, errors: 0, skipped: 0 };
  const cases = summary.modules.map((m) => {
    // A matrix run: the classname says the combination (CI tools group test cases by classname).
    const classname = m.combination ? `${summary.plan}[${Object.entries(m.combination).map(([k, v]) => `${k}=${v}`).join(',')}]` : summary.plan;
    const head = `    <testcase classname="${esc(classname)}" name="${esc(m.id)}" time="${secs(m.ms)}"`;
    const failing = failingFindings(m).map(formatFinding);
    switch (m.status) {
      case 'passed':
        return `${head}/>`;
      case 'warning':
        return `${head}>\n      <system-out>${esc(`warning: ${failing.join('\n') || (m.reason ?? '')}`)}</system-out>\n    </testcase>`;
      case 'skipped':
      case 'not_applicable':
        c.skipped++;
        return `${head}>\n      <skipped message="${esc(m.status === 'skipped' ? (m.reason ?? 'skipped') : `not applicable: ${m.reason ?? ''}`.trim())}"/>\n    </testcase>`;
      default:
        if (failing.length) {
          c.failures++;
          return `${head}>\n      <failure message="${esc(failing[0])}" type="ConformanceAssertionError">${esc(failing.join('\n'))}</failure>\n    </testcase>`;
        }
        c.errors++;
        return `${head}>\n      <error message="${esc(m.reason ?? 'failed')}" type="ModuleError"/>\n    </testcase>`;
    }
  });
  const own = summary.gate.reasons.filter((r) => !/^\d+ modules? failed$/.test(r));
  if (!summary.gate.passed && own.length) {
    c.tests++;
    c.failures++;
    const unmet = summary.unmetExpectedFailures.map((u) => `unmet expected failure: ${u.module} [${u.check}]${u.rule ? ` ${u.rule}` : ''} did not fail (reason given: ${u.reason})`);
    cases.push(`    <testcase classname="${esc(summary.plan)}" name="gate" time="0.000">\n      <failure message="${esc(`gate (${summary.gate.mode}) failed: ${own.join('; ')}`)}" type="GateFailure">${esc([...summary.gate.reasons, ...unmet].join('\n'))}</failure>\n    </testcase>`);
  }
  const attrs = `tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${secs(summary.ms)}"`;
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="touchstone: ${esc(summary.plan)}" ${attrs}>`,
    `  <testsuite name="${esc(summary.plan)}" timestamp="${esc(summary.startedAt)}" hostname="${esc(hostname())}" ${attrs}>`,
    ...cases,
    '  </testsuite>',
    '</testsuites>',
    '',
  ].join('\n');
}

/**
 * One junit.xml over several plans' runs (`touchstone run <plan> <plan>…`): each run's testsuite as
 * it wrote it, and for a run that wrote none (an invalid plan, a crash) a testsuite of its own with
 * one errored testcase saying why, so a CI tool reading the file agrees with the exit code.
 */
export function combinedJunitXml(name: string, runs: { plan: string; xml?: string; error: string }[], ms: number): string {
  const c = { tests: 0, failures: 0, errors: 0, skipped: 0 };
  const suites = runs.map((r) => {
    const root = r.xml ? /<testsuites\b[^>]*>/.exec(r.xml)?.[0] : undefined;
    const blocks = r.xml?.match(/ {2}<testsuite\b[\s\S]*?<\/testsuite>/g);
    if (root && blocks?.length) {
      for (const k of Object.keys(c) as (keyof typeof c)[]) c[k] += Number(new RegExp(`\\b${k}="(\\d+)"`).exec(root)?.[1] ?? 0);
      return blocks.join('\n');
    }
    c.tests++;
    c.errors++;
    return [
      `  <testsuite name="${esc(r.plan)}" tests="1" failures="0" errors="1" skipped="0" time="0.000">`,
      `    <testcase classname="${esc(r.plan)}" name="run" time="0.000">`,
      `      <error message="${esc(r.error)}" type="RunError"/>`,
      '    </testcase>',
      '  </testsuite>',
    ].join('\n');
  });
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${esc(name)}" tests="${c.tests}" failures="${c.failures}" errors="${c.errors}" skipped="${c.skipped}" time="${secs(ms)}">`,
    ...suites,
    '</testsuites>',
    '',
  ].join('\n');
}
